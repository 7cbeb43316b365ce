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

/** Loads records on first use after each discovery; lookups answer from what is loaded. */
export class RecordIndex implements vscode.Disposable {
  private byPath = new Map<string, IndexedRecord>();
  private loading: Promise<void> | undefined;
  private generation = 0;
  private loaded = -1;
  private lastDatasets = '';
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: AuditStore) {
    this.subscription = store.onDidChange(() => this.invalidate());
  }

  /** The record of an image file, if it is loaded already. */
  lookup(file: string): IndexedRecord | undefined {
    return this.byPath.get(path.resolve(file));
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
    const { loadConfigNear, loadDataset, resolveConfig } = hostEngine();
    const configs = new Map<string, Awaited<ReturnType<typeof loadConfigNear>>>();
    for (const dataset of this.store.datasets()) {
      let config = configs.get(dataset.folder);
      if (!config) {
        config = await loadConfigNear(dataset.folder).catch(() => resolveConfig());
        configs.set(dataset.folder, config);
      }
      const loaded = await loadDataset(dataset, config).catch(() => undefined);
      for (const record of loaded?.records ?? []) next.set(path.resolve(record.path), { record, dataset });
    }
    if (generation !== this.generation) return;
    this.byPath = next;
    this.loaded = generation;
  }
}
