// The status-bar items: the counts of the last audit, and a spinner while audits run (click it to cancel them).
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';

/** Shows "Fairframe: N errors, N warnings, N info" after an audit, and the running work's progress. */
export class AuditStatusBar implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;
  private busyItem: vscode.StatusBarItem | undefined;
  private running = 0;

  /** Shows the counts of `result`. */
  show(result: AuditResult): void {
    this.item ??= vscode.window.createStatusBarItem('fairframe.lastAudit', vscode.StatusBarAlignment.Left, 10);
    const { error, warning, info } = result.counts;
    this.item.name = 'Fairframe';
    this.item.text = `$(shield) Fairframe: ${error} $(error) ${warning} $(warning) ${info} $(info)`;
    this.item.tooltip = `Last Fairframe audit of ${result.target}: ${error} errors, ${warning} warnings, ${info} info, in ${(result.durationMs / 1000).toFixed(1)} s`;
    this.item.command = 'workbench.actions.view.problems';
    this.item.show();
  }

  /** Sets how many audits run; the spinner shows while any does. */
  busy(count: number): void {
    this.running = count;
    if (count === 0) {
      this.busyItem?.hide();
      return;
    }
    this.busyItem ??= vscode.window.createStatusBarItem('fairframe.running', vscode.StatusBarAlignment.Left, 11);
    this.busyItem.name = 'Fairframe (running)';
    this.busyItem.text = `$(sync~spin) Fairframe${count > 1 ? ` (${count})` : ''}`;
    this.busyItem.tooltip = 'Fairframe is auditing in the background. Click to cancel.';
    this.busyItem.command = 'fairframe.cancelAudits';
    this.busyItem.show();
  }

  /** Shows the latest progress text next to the spinner. */
  progress(text: string): void {
    if (this.running === 0 || !this.busyItem) return;
    this.busyItem.text = `$(sync~spin) Fairframe: ${text}`;
  }

  dispose(): void {
    this.item?.dispose();
    this.busyItem?.dispose();
  }
}
