// The status-bar item that shows the counts of the last audit.
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';

/** Shows "Fairframe: N errors, N warnings, N info" after an audit; clicking opens the Problems panel. */
export class AuditStatusBar implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;

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

  dispose(): void {
    this.item?.dispose();
  }
}
