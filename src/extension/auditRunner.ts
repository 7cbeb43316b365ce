// Runs audits in the worker process under a cancellable progress notification, and publishes the results.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import type { Progress } from '../engine/types';
import { throttleProgress } from '../worker/progressThrottle';
import type { CrashKind } from '../worker/protocol';
import { WorkerClient } from '../worker/workerClient';
import type { AuditDiagnostics } from './auditDiagnostics';
import type { AuditStatusBar } from './auditStatusBar';
import type { FairframeOutput } from './fairframeOutput';

const STAGE_LABEL: Record<Progress['stage'], string> = {
  discover: 'Finding datasets',
  load: 'Reading manifests',
  scan: 'Scanning images',
  checks: 'Running checks',
  infer: 'Running the model',
  metrics: 'Computing metrics',
  report: 'Writing the report',
};

/** Text of one progress update, e.g. "Scanning images: 120 / 400". */
export function progressText(progress: Progress): string {
  const count = progress.total !== undefined ? `${progress.done} / ${progress.total}` : progress.done > 0 ? `${progress.done}` : '';
  const detail = progress.stage === 'checks' && progress.message ? ` (${progress.message})` : '';
  return `${STAGE_LABEL[progress.stage]}${count ? `: ${count}` : ''}${detail}`;
}

/** Starts the worker lazily, runs one audit per target at a time (a new run supersedes the old one). */
export class AuditRunner implements vscode.Disposable {
  private worker: WorkerClient | undefined;
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: FairframeOutput,
    private readonly diagnostics: AuditDiagnostics,
    private readonly statusBar: AuditStatusBar,
  ) {}

  /** The cache folder: in the extension's global storage, never inside a dataset. */
  get cacheDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'cache');
  }

  /** Audits `target`; resolves to the result, or undefined when it was cancelled or failed (the error is shown). */
  async audit(target: string): Promise<AuditResult | undefined> {
    this.running.get(target)?.abort();
    const controller = new AbortController();
    this.running.set(target, controller);
    const noDecode = !vscode.workspace.isTrusted;
    this.output.log.info(`Auditing ${target}${noDecode ? ' (restricted mode: images are not decoded)' : ''}`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Fairframe: auditing ${path.basename(target)}`, cancellable: true },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => controller.abort());
          try {
            const report = throttleProgress((update) => progress.report({ message: progressText(update) }), 250);
            return await this.getWorker().audit(target, { cacheDir: this.cacheDir, noDecode }, { signal: controller.signal, onProgress: report });
          } finally {
            cancel.dispose();
          }
        },
      );
      this.diagnostics.set(result);
      this.statusBar.show(result);
      const { error, warning, info } = result.counts;
      this.output.log.info(`Audited ${target} in ${result.durationMs} ms: ${error} errors, ${warning} warnings, ${info} info.`);
      return result;
    } catch (error) {
      this.report(error, `Audit of ${target}`);
      return undefined;
    } finally {
      if (this.running.get(target) === controller) this.running.delete(target);
    }
  }

  /** Test hook: makes the worker fail; resolves to the error code the request got. */
  async crashWorker(kind: CrashKind): Promise<string> {
    try {
      await this.getWorker().debugCrash(kind);
      return 'none';
    } catch (error) {
      return FairframeError.is(error) ? error.code : 'unknown';
    }
  }

  /** Shows an error to the user (never for a cancelled run) and logs its stack. */
  report(error: unknown, what: string): void {
    if (FairframeError.is(error, 'cancelled')) {
      this.output.log.info(`${what} was cancelled.`);
      return;
    }
    this.output.error(what, error);
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Fairframe: ${message}`, 'Show Output').then((choice) => {
      if (choice) this.output.log.show(true);
    });
  }

  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    this.worker?.dispose();
  }

  private getWorker(): WorkerClient {
    this.worker ??= new WorkerClient(this.context.asAbsolutePath(path.join('dist', 'worker.js')), {
      log: (level, message) => this.output.log[level](message),
    });
    return this.worker;
  }
}
