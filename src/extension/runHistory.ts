// The recorded runs of each workspace folder, read from its run store when the window opens and after each recorded run:
// the Models view's history and the dashboard's run comparison read them from here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../engine/runs/runRecord';
import { workspaceRuns, type RunLog } from './runRecorder';

/** One model's audit in one run, for the history views. */
export interface ModelRun {
  run: RunRecord;
  /** Index into run.result.models. */
  index: number;
}

export class RunHistory implements vscode.Disposable {
  private readonly runs = new Map<string, RunRecord[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the runs of a folder were (re)read. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly folders: () => string[], private readonly log: RunLog) {}

  /** Re-reads every folder's run store. */
  async reload(): Promise<void> {
    for (const folder of this.folders()) {
      try {
        this.runs.set(folder, await workspaceRuns(folder, this.log));
      } catch (error) {
        this.log.warn(`The run store of ${folder} could not be read: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.changed.fire();
  }

  /** Adds a run just recorded (no re-read). */
  add(run: RunRecord): void {
    const folder = this.folders().filter((f) => isWithin(f, run.target)).sort((a, b) => b.length - a.length)[0] ?? this.folders()[0];
    if (folder === undefined) return;
    const list = this.runs.get(folder) ?? [];
    if (!list.some((existing) => existing.id === run.id)) list.push(run);
    this.runs.set(folder, list);
    this.changed.fire();
  }

  /** Every run known, oldest first. */
  all(): RunRecord[] {
    return [...this.runs.values()].flat().sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
  }

  /** The runs that audited the model file `file` (on `dataset` when given), oldest first. */
  forModel(file: string, dataset?: string): ModelRun[] {
    const absolute = path.resolve(file);
    return this.all().flatMap((run) => run.result.models.flatMap((audit, index) =>
      path.resolve(audit.model.file) === absolute && (dataset === undefined || audit.dataset === dataset) ? [{ run, index }] : []));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function isWithin(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
