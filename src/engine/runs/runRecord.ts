// A recorded run: one audit's AuditResult with what it was run on (data and model hashes, config, tool, git commit).
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import type { GitState } from './gitCommit';

/** The format tag and version of a run file. */
export const RUN_FORMAT = 'fairframe-run';
export const RUN_FORMAT_VERSION = 1;

/** Which front end recorded the run. */
export type RunSource = 'cli' | 'editor';

/** The model side of one model × dataset audit in a run, for listing without reading the whole result. */
export interface RunModelSummary {
  file: string;
  /** SHA-256 of the model file's bytes. */
  sha256: string;
  dataset: string;
  split?: string;
  status: 'ok' | 'failed';
  images?: number;
  accuracy?: number | null;
}

/** One recorded audit. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  formatVersion: number;
  /** Sortable id: UTC time of the run and 6 hex digits (20261203-101500-a1b2c3). */
  id: string;
  recordedAt: string;
  source: RunSource;
  /** A note given at record time (e.g. "threshold-adjusted"). */
  label?: string;
  tool: AuditResult['tool'];
  target: string;
  /** SHA-256 of the resolved config as JSON (the config itself is `result.config`). */
  configHash: string;
  git?: GitState;
  datasets: Array<{ name: string; root: string; images: number; contentHash: string }>;
  models: RunModelSummary[];
  result: AuditResult;
}

/** A new run id for a time: UTC yyyymmdd-hhmmss and 6 random hex digits (ids of runs recorded in the same second differ). */
export function newRunId(time: Date = new Date()): string {
  const iso = time.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** Builds the record of an audit. */
export function makeRunRecord(result: AuditResult, context: { source: RunSource; git?: GitState; label?: string; time?: Date }): RunRecord {
  const time = context.time ?? new Date();
  return {
    format: RUN_FORMAT,
    formatVersion: RUN_FORMAT_VERSION,
    id: newRunId(time),
    recordedAt: time.toISOString(),
    source: context.source,
    label: context.label,
    tool: result.tool,
    target: result.target,
    configHash: createHash('sha256').update(JSON.stringify(result.config)).digest('hex'),
    git: context.git,
    datasets: result.datasets.map((dataset) => ({ name: dataset.name, root: dataset.root, images: dataset.images, contentHash: dataset.contentHash })),
    models: result.models.map((model) => ({
      file: model.model.file,
      sha256: model.model.sha256,
      dataset: model.dataset,
      split: model.split,
      status: model.status,
      images: model.overall?.images,
      accuracy: model.overall?.accuracy.estimate,
    })),
    result,
  };
}

/** One line describing a run: id, time, what was audited, accuracy per model. */
export function describeRun(run: RunRecord): string {
  const models = run.models.map((model) => `${path.basename(model.file)}${model.status === 'ok' && typeof model.accuracy === 'number' ? ` ${(model.accuracy * 100).toFixed(1)}%` : ' (failed)'}`);
  return [run.id, run.recordedAt.replace('T', ' ').slice(0, 19), run.datasets.map((d) => d.name).join(','), models.join(', ') || 'no model', run.label ? `"${run.label}"` : ''].filter(Boolean).join('  ');
}
