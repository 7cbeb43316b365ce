// Finds the datasets and models of the workspace after activation, watches their files (debounced), and runs the
// dataset-only audit by itself so imbalance warnings reach the Problems panel without a command.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditRunner } from './auditRunner';
import type { AuditStore, DatasetEntry, ModelEntry } from './auditStore';
import { describeModel, describePredictionsFile } from './describeModel';
import type { FairframeOutput } from './fairframeOutput';
import { autoAuditDatasets, cacheRoot, watchDebounceMs } from './fairframeSettings';
import { hostEngine } from './lazyHostEngine';

const WATCHED = '**/{*.csv,*.tsv,*.jsonl,*.json,*.onnx,*.png,*.jpg,*.jpeg,*.webp,*.bmp,*.gif,*.tif,*.tiff,*.avif}';

/** The folders Fairframe works on: the workspace folders on disk. */
export function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
}

/** Runs discovery (and the automatic dataset audit) once now and again after every burst of file changes. */
export class WorkspaceDiscovery implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  private pending = false;
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle: (() => void) | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: AuditStore,
    private readonly runner: AuditRunner,
    private readonly output: FairframeOutput,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
    const onChange = (uri: vscode.Uri): void => {
      if (this.isOwnFile(uri)) return;
      this.schedule();
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(onChange),
      watcher.onDidChange(onChange),
      watcher.onDidDelete(onChange),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule(0)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(0)),
    );
  }

  /** Runs discovery after `delayMs` of quiet (default: the `fairframe.watchDebounceMs` setting); later calls push it back. */
  schedule(delayMs = watchDebounceMs()): void {
    if (!this.resolveIdle) this.idle = new Promise((resolve) => (this.resolveIdle = resolve));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runQueued();
    }, delayMs);
  }

  /** Resolves when no discovery or automatic audit is scheduled or running. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
    this.resolveIdle?.();
  }

  private async runQueued(): Promise<void> {
    if (this.pending) return;
    this.pending = true;
    await this.current.catch(() => undefined);
    this.pending = false;
    this.current = this.runOnce();
    await this.current.catch((error) => this.output.error('Discovery', error));
    if (!this.timer && !this.pending) {
      const resolve = this.resolveIdle;
      this.resolveIdle = undefined;
      resolve?.();
    }
  }

  private async runOnce(): Promise<void> {
    const started = Date.now();
    const { discoverDatasets, discoverModels, loadConfigNear, resolveConfig } = hostEngine();
    for (const folder of workspaceFolderPaths()) {
      const config = await loadConfigNear(folder).catch((error: unknown) => {
        this.output.error(`Reading fairframe.json in ${folder}`, error);
        return resolveConfig();
      });
      const refs = await discoverDatasets(folder, config).catch((error: unknown) => {
        this.output.error(`Looking for datasets in ${folder}`, error);
        return [];
      });
      const datasets: DatasetEntry[] = refs.map((ref) => ({ ...ref, folder }));
      const files = await discoverModels(folder).catch((error: unknown) => {
        this.output.error(`Looking for models in ${folder}`, error);
        return [];
      });
      const models: ModelEntry[] = [];
      for (const file of files) {
        const model = await describeModel(file, folder, config);
        if (model.error) this.output.log.warn(`Model ${file}: ${model.error}`);
        models.push(model);
      }
      // Predictions files declared in fairframe.json are audited like models and listed with them.
      for (const declared of config.models) {
        if (declared.predictions === undefined || models.some((model) => model.file === declared.predictions)) continue;
        const entry = await describePredictionsFile({ ...declared, predictions: declared.predictions }, folder);
        if (entry.error) this.output.log.warn(`Predictions ${entry.file}: ${entry.error}`);
        models.push(entry);
      }
      this.store.setDiscovery(folder, datasets, models);
      this.output.log.info(`Found ${datasets.length} dataset(s) and ${models.length} model(s) in ${folder} in ${Date.now() - started} ms.`);
      if (datasets.length > 0 && autoAuditDatasets()) await this.runner.audit(folder, { quiet: true, silentErrors: true });
    }
  }

  /** Changes to the caches (when `fairframe.cacheLocation` lies in the workspace) do not trigger discovery. */
  private isOwnFile(uri: vscode.Uri): boolean {
    const root = cacheRoot(this.context);
    const relative = path.relative(root, uri.fsPath);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  }
}
