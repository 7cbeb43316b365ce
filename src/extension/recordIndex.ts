// Every discovered dataset's records by absolute image path, loaded in the background (manifests only: no decoding)
// for hovers. Rebuilt after each discovery.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { DatasetRecord } from '../engine/types';
import type { AuditStore, DatasetEntry } from './auditStore';
import { hostEngine } from './lazyHostEngine';

/** A record and the dataset it belongs to. */
export interface IndexedRecord {
  record: DatasetRecord;
  dataset: DatasetEntry;
}

/** Logs an error with what was being done (the Fairframe output channel's `error`). */
export type ErrorLog = (context: string, error: unknown) => void;

/** The part of the AuditStore the index reads. */
export type RecordSource = Pick<AuditStore, 'datasets' | 'onDidChange'>;

/** Loads records on first use after each discovery; lookups answer from what is loaded. A dataset or fairframe.json
 * that cannot be read is logged, and hovers on its images say so instead of "not part of a dataset". */
export class RecordIndex implements vscode.Disposable {
  private byPath = new Map<string, IndexedRecord>();
  private problems: Array<{ root: string; message: string }> = [];
  private loading: Promise<void> | undefined;
  private generation = 0;
  private loaded = -1;
  private lastDatasets = '';
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: RecordSource, private readonly logError: ErrorLog = () => undefined) {
    this.subscription = store.onDidChange(() => this.invalidate());
  }

  /** The record of an image file, if it is loaded already. */
  lookup(file: string): IndexedRecord | undefined {
    return this.byPath.get(path.resolve(file));
  }

  /** Why the dataset holding `file` could not be indexed (its manifest or its fairframe.json failed to read), if so. */
  problemFor(file: string): string | undefined {
    const absolute = path.resolve(file);
    return this.problems.find((problem) => absolute === problem.root || absolute.startsWith(problem.root + path.sep))?.message;
  }

  /** True when the records of the current discovery are loaded. */
  get ready(): boolean {
    return this.loading !== undefined && this.loaded === this.generation;
  }

  /** Loads the records (once per discovery); resolves when they are in. */
  ensure(): Promise<void> {
    this.loading ??= this.load(this.generation);
    return this.loading;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private invalidate(): void {
    // Audits change the store too; only a new discovery changes the records.
    const datasets = this.store.datasets().map((entry) => `${entry.root}|${entry.manifest ?? ''}`).join('\n');
    if (datasets === this.lastDatasets) return;
    this.lastDatasets = datasets;
    this.generation++;
    this.loading = undefined;
  }

  private async load(generation: number): Promise<void> {
    const next = new Map<string, IndexedRecord>();
    const problems: Array<{ root: string; message: string }> = [];
    const { loadConfigNear, loadDataset, resolveConfig } = hostEngine();
    const configs = new Map<string, { config: Awaited<ReturnType<typeof loadConfigNear>>; problem?: string }>();
    for (const dataset of this.store.datasets()) {
      let entry = configs.get(dataset.folder);
      if (!entry) {
        // A fairframe.json that cannot be read leaves the records to the defaults; the hover and the log say so.
        entry = await loadConfigNear(dataset.folder).then(
          (config) => ({ config }),
          (error: unknown) => {
            this.logError(`Reading fairframe.json in ${dataset.folder} for hovers`, error);
            return { config: resolveConfig(), problem: `fairframe.json could not be read (${messageOf(error)}); defaults are used` };
          },
        );
        configs.set(dataset.folder, entry);
      }
      const loaded = await loadDataset(dataset, entry.config).catch((error: unknown) => {
        this.logError(`Reading dataset '${dataset.name}' for hovers`, error);
        problems.push({ root: path.resolve(dataset.root), message: `Dataset '${dataset.name}' could not be read: ${messageOf(error)}` });
        return undefined;
      });
      if (loaded && entry.problem) problems.push({ root: path.resolve(dataset.root), message: `Dataset '${dataset.name}': ${entry.problem}` });
      // Loading does not throw on bad input: a dataset with no records says why in its load issues.
      if (loaded && loaded.records.length === 0 && loaded.loadIssues.length > 0) {
        this.logError(`Reading dataset '${dataset.name}' for hovers`, new Error(loaded.loadIssues.map((issue) => issue.message).join('\n')));
        problems.push({ root: path.resolve(dataset.root), message: `Dataset '${dataset.name}' could not be read: ${loaded.loadIssues[0].message}` });
      }
      for (const record of loaded?.records ?? []) next.set(path.resolve(record.path), { record, dataset });
    }
    if (generation !== this.generation) return;
    this.byPath = next;
    this.problems = problems;
    this.loaded = generation;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
