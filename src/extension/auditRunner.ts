// Runs audits in the worker process under a cancellable progress indicator, and publishes the results to the store.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { escapeControl } from '../engine/report/displayText';
import type { Progress } from '../engine/types';
import { throttleProgress } from '../worker/progressThrottle';
import type { AuditJobOptions, CrashKind, ExplainJob, ExplainReply, ShiftJobOptions } from '../worker/protocol';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import type { ScoreAndMitigateOptions, ScoredMitigation } from '../engine/mitigation/mitigateAudited';
import { WorkerClient } from '../worker/workerClient';
import type { AuditStore } from './auditStore';
import type { OverlayImage, OverlayRequest } from './imageHoverProvider';
import type { AuditStatusBar } from './auditStatusBar';
import type { FairframeOutput } from './fairframeOutput';
import { explainSettings } from './explainSettings';
import { cacheRoot } from './fairframeSettings';
import { recordEditorRun } from './runRecorder';
import type { RunRecord } from '../engine/runs/runRecord';
import type { RobustnessMode } from '../engine/robustness/robustnessTypes';

const STAGE_LABEL: Record<Progress['stage'], string> = {
  discover: 'Finding datasets',
  load: 'Reading manifests',
  scan: 'Scanning images',
  checks: 'Running checks',
  infer: 'Running the model',
  metrics: 'Computing metrics',
  report: 'Writing the report',
};

/**
 * Text of one progress update, e.g. "Scanning images: 120 / 400". With `detailed`, the message of every stage is added
 * (a robustness run names the corruption or attack under way: "Running the model: 3 / 40 (Corruption shot-noise@4 …)").
 */
export function progressText(progress: Progress, detailed = false): string {
  const count = progress.total !== undefined ? `${progress.done} / ${progress.total}` : progress.done > 0 ? `${progress.done}` : '';
  const detail = (progress.stage === 'checks' || detailed) && progress.message ? ` (${progress.message})` : '';
  return `${STAGE_LABEL[progress.stage]}${count ? `: ${count}` : ''}${detail}`;
}

/** What to audit besides the target, and how to show it. */
export interface AuditRequest {
  /** ONNX files to run on the datasets; empty or absent: a dataset-only audit (models in fairframe.json are not run). */
  models?: string[];
  /** Only the datasets with these names. */
  datasets?: string[];
  /** Shown in the status bar only (automatic audits), not as a notification. */
  quiet?: boolean;
  /** Errors are logged, not shown (automatic audits). */
  silentErrors?: boolean;
  /** Also measure the models' accuracy by group under corruptions, attacks or both (over fairframe.json's `robustness`). */
  robustness?: RobustnessMode;
}

/** Starts the worker lazily, runs one audit per target and request at a time (a new run supersedes the old one). */
export class AuditRunner implements vscode.Disposable {
  private worker: WorkerClient | undefined;
  private readonly running = new Map<string, AbortController>();
  private readonly started = new vscode.EventEmitter<{ target: string; models: string[] }>();
  /** Fires when an audit starts (it can be cancelled from then on). */
  readonly onDidStart = this.started.event;
  private readonly recorded = new vscode.EventEmitter<RunRecord>();
  /** Fires when an audit was recorded in the run store. */
  readonly onDidRecordRun = this.recorded.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: FairframeOutput,
    private readonly store: AuditStore,
    private readonly statusBar: AuditStatusBar,
  ) {}

  /** The cache folder: the `fairframe.cacheLocation` setting, else the extension's global storage; never inside a dataset. */
  get cacheDir(): string {
    return path.join(cacheRoot(this.context), 'cache');
  }

  /** Audits `target`; resolves to the result, or undefined when it was cancelled or failed (the error is shown). */
  async audit(target: string, request: AuditRequest = {}): Promise<AuditResult | undefined> {
    const models = request.models ?? [];
    // Automatic audits never supersede one the user asked for, nor the other way round.
    const key = JSON.stringify([path.resolve(target), [...models].sort(), [...(request.datasets ?? [])].sort(), request.quiet === true]);
    this.running.get(key)?.abort();
    const controller = new AbortController();
    this.running.set(key, controller);
    this.updateBusy();
    this.started.fire({ target, models });
    const noDecode = !vscode.workspace.isTrusted;
    try {
      if (models.length > 0 && noDecode) {
        throw new FairframeError('bad-config', 'Models are not run in a restricted (untrusted) workspace. Trust the workspace (Manage Workspace Trust) to audit a model.');
      }
      this.output.log.info(`Auditing ${target}${models.length ? ` with ${models.map((model) => path.basename(model)).join(', ')}` : ''}${noDecode ? ' (restricted mode: images are not decoded)' : ''}`);
      const replicates = vscode.workspace.getConfiguration('fairframe').get<number | null>('bootstrapReplicates');
      const options: AuditJobOptions = {
        cacheDir: this.cacheDir,
        noDecode,
        models,
        // A dataset audit runs no model, and a model audit only the chosen one, whatever fairframe.json declares.
        onlyListedModels: true,
        thresholds: typeof replicates === 'number' ? { bootstrapReplicates: replicates } : undefined,
        datasets: request.datasets,
        ...(request.robustness && models.length > 0 ? { robustness: request.robustness } : {}),
      };
      const measured = options.robustness ? ` (robustness: ${options.robustness})` : '';
      const title = models.length ? `Fairframe: auditing ${models.map((model) => path.basename(model)).join(', ')} on ${request.datasets?.join(', ') ?? path.basename(target)}${measured}` : `Fairframe: auditing ${path.basename(target)}`;
      const result = await vscode.window.withProgress(
        { location: request.quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title, cancellable: !request.quiet },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => controller.abort());
          try {
            const report = throttleProgress((update) => {
              const text = progressText(update, options.robustness !== undefined);
              progress.report({ message: text });
              this.statusBar.progress(text);
            }, 250);
            return await this.getWorker().audit(target, options, { signal: controller.signal, onProgress: report });
          } finally {
            cancel.dispose();
          }
        },
      );
      this.store.publish(result, this.folderOf(target));
      // Audits a person asked for are recorded as runs (automatic dataset checks are not); never in a restricted workspace.
      if (!request.quiet && !noDecode) {
        const run = await recordEditorRun(result, this.folderOf(target), this.output.log);
        if (run) this.recorded.fire(run);
      }
      // Internal errors became findings with plain messages; their stacks go to the log.
      for (const diagnostic of result.diagnostics ?? []) this.output.log.error(`Internal error while ${diagnostic.context}: ${diagnostic.stack ?? diagnostic.message}`);
      const { error, warning, info } = result.counts;
      this.output.log.info(`Audited ${target} in ${result.durationMs} ms: ${error} errors, ${warning} warnings, ${info} info.`);
      return result;
    } catch (error) {
      if (request.silentErrors && !FairframeError.is(error, 'cancelled')) this.output.error(`Audit of ${target}`, error);
      else this.report(error, `Audit of ${target}`);
      return undefined;
    } finally {
      if (this.running.get(key) === controller) this.running.delete(key);
      this.updateBusy();
    }
  }

  /** Cancels every running audit; resolves to how many there were. */
  cancelAll(): number {
    const count = this.running.size;
    for (const controller of this.running.values()) controller.abort();
    return count;
  }

  /** True while an audit runs. */
  get busy(): boolean {
    return this.running.size > 0;
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
    const message = escapeControl(error instanceof Error ? error.message : String(error));
    void vscode.window.showErrorMessage(`Fairframe: ${message}`, 'Show Output').then((choice) => {
      if (choice) this.output.log.show(true);
    });
  }

  dispose(): void {
    this.started.dispose();
    this.recorded.dispose();
    for (const controller of this.running.values()) controller.abort();
    this.worker?.dispose();
  }

  /** One explanation computed in the worker (models kept warm there, results cached); refused in an untrusted workspace. */
  async explainImage(job: Omit<ExplainJob, 'cacheDir'>, signal?: AbortSignal): Promise<ExplainReply> {
    if (!vscode.workspace.isTrusted) throw new FairframeError('bad-config', 'Models are not run in a restricted (untrusted) workspace.');
    return this.getWorker().explain({ ...job, cacheDir: this.cacheDir }, { signal });
  }

  /** A distribution-shift comparison computed in the worker; refused in an untrusted workspace (it decodes images, and may run a model). */
  async compareDistributions(reference: string, target: string, options: Omit<ShiftJobOptions, 'cacheDir'>, run: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {}): Promise<ShiftResult> {
    if (!vscode.workspace.isTrusted) throw new FairframeError('bad-config', 'Images are not decoded and models are not run in a restricted (untrusted) workspace. Trust the workspace (Manage Workspace Trust) to compare distributions.');
    return this.getWorker().shift(reference, target, { ...options, cacheDir: this.cacheDir }, run);
  }

  /** Per-group thresholds fitted and measured in the worker on a model's (or predictions file's) scores; refused in an untrusted workspace. */
  async mitigateThresholds(target: string, options: Omit<ScoreAndMitigateOptions, 'cacheDir'>, run: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {}): Promise<ScoredMitigation> {
    if (!vscode.workspace.isTrusted) throw new FairframeError('bad-config', 'Models are not run in a restricted (untrusted) workspace. Trust the workspace (Manage Workspace Trust) to fit thresholds.');
    return this.getWorker().mitigateThresholds(target, { ...options, cacheDir: this.cacheDir }, run);
  }

  /** An explanation overlay for a hover, computed in the worker; nothing in an untrusted workspace (models never run there). */
  async explainOverlay(request: OverlayRequest): Promise<OverlayImage | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    try {
      // The class the hover names (its top-1) is explained, with the model resolved as its audit did.
      const reply = await this.explainImage({ model: request.model, image: request.image, size: request.size, className: request.className, ...explainSettings(this.store, request.model) }, request.signal);
      return { png: Buffer.from(reply.pngBase64, 'base64'), method: reply.fallbackFrom ? `${reply.method} (${reply.fallbackFrom} unsupported)` : reply.method };
    } catch (error) {
      if (!FairframeError.is(error, 'cancelled')) this.output.log.warn(`No explanation overlay for ${request.image}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** The workspace folder holding `target` (the folder of its results in the store), else the target's own folder. */
  private folderOf(target: string): string {
    const absolute = path.resolve(target);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const holding = folders.filter((folder) => {
      const relative = path.relative(folder, absolute);
      return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
    });
    return holding.sort((a, b) => b.length - a.length)[0] ?? absolute;
  }

  private updateBusy(): void {
    this.statusBar.busy(this.running.size);
    void vscode.commands.executeCommand('setContext', 'fairframe.busy', this.running.size > 0);
  }

  private getWorker(): WorkerClient {
    this.worker ??= new WorkerClient(this.context.asAbsolutePath(path.join('dist', 'worker.js')), {
      log: (level, message) => this.output.log[level](message),
    });
    return this.worker;
  }
}
