// The status-bar items: the counts of every current finding (the same figures as the Problems panel, from the store),
// and a spinner while audits run (click it to cancel them).
import * as vscode from 'vscode';
import type { AuditStore } from './auditStore';

/** Shows "Fairframe: N errors, N warnings, N info" for the whole store, and the running work's progress. */
export class AuditStatusBar implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;
  private busyItem: vscode.StatusBarItem | undefined;
  private running = 0;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: AuditStore) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  /** The text shown, or undefined while nothing is audited (for tests and the tooltip). */
  get text(): string | undefined {
    return this.item?.text;
  }

  /** The tooltip shown. */
  get tooltip(): string | undefined {
    return typeof this.item?.tooltip === 'string' ? this.item.tooltip : undefined;
  }

  /** Redraws the counts from the store. */
  refresh(): void {
    const audited = this.store.datasetAudits().length + this.store.modelAudits().length;
    if (audited === 0) {
      this.item?.hide();
      return;
    }
    this.item ??= vscode.window.createStatusBarItem('fairframe.lastAudit', vscode.StatusBarAlignment.Left, 10);
    const { error, warning, info } = this.store.counts();
    const stale = this.store.staleModels();
    this.item.name = 'Fairframe';
    this.item.text = `$(shield) Fairframe: ${error} $(error) ${warning} $(warning) ${info} $(info)${stale.length ? ` $(history) ${stale.length} stale` : ''}`;
    const lines = [`Fairframe: ${error} errors, ${warning} warnings, ${info} info over ${this.store.datasetAudits().length} dataset audit(s) and ${this.store.modelAudits().length} model audit(s), as in the Problems panel.`];
    if (stale.length) lines.push(`${stale.length} model audit(s) are stale: the dataset or fairframe.json changed since; run Audit Model on Dataset again.`);
    this.item.tooltip = lines.join('\n');
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
    this.subscription.dispose();
    this.item?.dispose();
    this.busyItem?.dispose();
  }
}
