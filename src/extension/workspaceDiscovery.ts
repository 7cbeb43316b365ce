// Finds the datasets and models of the workspace after activation, watches their files (debounced), and runs the
// dataset-only audit by itself so imbalance warnings reach the Problems panel without a command.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelConfig, ResolvedConfig } from '../engine/config/configTypes';
import type { AuditRunner } from './auditRunner';
import type { AuditStore, DatasetEntry, ModelEntry } from './auditStore';
import type { FairframeOutput } from './fairframeOutput';
import { autoAuditDatasets, cacheRoot, watchDebounceMs } from './fairframeSettings';
import { hostEngine } from './lazyHostEngine';

/** Models larger than this are not decoded in the editor process; they are inspected when audited, in the worker. */
const MAX_INSPECT_BYTES = 64 * 1024 * 1024;
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
      const files = await discoverModels(folder).catch(() => []);
      const models: ModelEntry[] = [];
      for (const file of files) models.push(await describeModel(file, folder, config));
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

/** Inspects a model without running it: inputs, outputs, labels and preprocessing (fairframe.json, then sidecar, then metadata). */
export async function describeModel(file: string, folder: string, config: ResolvedConfig): Promise<ModelEntry> {
  const entry: ModelEntry = { file, folder };
  const { inspectModel, metadataModelConfig, readSidecar } = hostEngine();
  try {
    const stat = await fs.stat(file);
    if (stat.size <= MAX_INSPECT_BYTES) entry.info = await inspectModel(file);
    const declared: ModelConfig | undefined = config.models.find((model) => model.path === file);
    const sidecar = await readSidecar(file).catch(() => undefined);
    const metadata = entry.info ? safe(() => metadataModelConfig(entry.info?.metadata ?? {}, file)) : undefined;
    for (const [source, described] of [['fairframe.json', declared], [sidecar ? path.basename(sidecar.file) : 'sidecar', sidecar?.config], ['metadata_props', metadata]] as const) {
      if (!described) continue;
      if (!entry.labels && described.labels) {
        entry.labels = described.labels;
        entry.describedBy ??= source;
      }
      if (!entry.preprocess && described.preprocess) {
        entry.preprocess = described.preprocess;
        entry.describedBy ??= source;
      }
    }
  } catch (error) {
    entry.error = error instanceof Error ? error.message : String(error);
  }
  return entry;
}

function safe<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}
