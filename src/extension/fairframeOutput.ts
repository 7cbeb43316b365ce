// The 'Fairframe' log output channel, created on first use.
import * as vscode from 'vscode';
import { escapeControlLines } from '../engine/report/displayText';

/** Lazily creates the log channel; `dispose` closes it if it was created. */
export class FairframeOutput implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;

  /** The channel, created on first call. */
  get log(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel('Fairframe', { log: true });
    return this.channel;
  }

  /** Logs an error with its stack trace (and any stack from the worker). */
  error(context: string, error: unknown): void {
    const details = (error as { details?: { workerStack?: unknown } } | undefined)?.details;
    const stack = typeof details?.workerStack === 'string' ? details.workerStack : error instanceof Error ? error.stack ?? error.message : String(error);
    this.log.error(escapeControlLines(`${context}: ${stack}`));
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
