// The ROC AUC of two runs and the bootstrap interval of its change, from the per-image probabilities the runs kept
// (each image's top classes): binary AUC of the second class, or the macro one-vs-rest AUC, as scikit-learn's
// roc_auc_score. Resampled as one stratum with the comparison's seed, the same draws as the other overall figures.
import { throwIfAborted } from '../errors';
import type { ConfidenceInterval } from '../metrics/bootstrap';
import { oneVsRestAuc, rocAuc } from '../metrics/rocAuc';
import { mulberry32 } from '../metrics/seededRandom';
import type { RecordPrediction } from '../modelAudit/modelAuditTypes';
import { changeInterval, drawStratified, REPLICATES_PER_STEP, type ChangeMode } from './changeBootstrap';

/** Each image's probability row over `classes`, or undefined when an image's kept top classes do not cover them all. */
export function probabilityRows(predictions: readonly RecordPrediction[], classes: readonly string[]): number[][] | undefined {
  const index = new Map(classes.map((name, i) => [name, i]));
  const rows: number[][] = [];
  for (const prediction of predictions) {
    const row = new Array<number>(classes.length).fill(Number.NaN);
    for (const [name, probability] of prediction.top) {
      const c = index.get(name);
      if (c !== undefined) row[c] = probability;
    }
    if (row.some((value) => Number.isNaN(value))) return undefined;
    rows.push(row);
  }
  return rows;
}

/** AUC of the images at `indices`: two classes, the second class's AUC (sklearn roc_auc_score(y, p[:, 1])); more, the macro one-vs-rest AUC over the classes present. NaN when undefined. */
export function aucOf(labels: Int32Array, rows: readonly number[][], indices: ArrayLike<number>, k: number): number {
  const y: number[] = [];
  const picked: number[][] = [];
  for (let j = 0; j < indices.length; j++) {
    y.push(labels[indices[j]]);
    picked.push(rows[indices[j]]);
  }
  if (k === 2) return rocAuc(y.map((label) => (label === 1 ? 1 : 0)), picked.map((row) => row[1]));
  return oneVsRestAuc(y, picked).macro;
}

/** One run's side: true class indices and probability rows. */
export interface AucSide {
  labels: Int32Array;
  rows: number[][];
}

/** The AUC change of two runs with its percentile interval; pauses every REPLICATES_PER_STEP replicates. */
export function* aucChangeSteps(before: AucSide, after: AucSide, k: number, mode: ChangeMode, options: { replicates: number; seed: number; level: number; signal?: AbortSignal }): Generator<void, { before: number; after: number; change: ConfidenceInterval }> {
  const random = mulberry32(options.seed);
  const all = (side: AucSide): number[][] => [Array.from({ length: side.labels.length }, (_, i) => i)];
  const membersA = all(before);
  const membersB = all(after);
  const indicesA = new Int32Array(before.labels.length);
  const indicesB = new Int32Array(after.labels.length);
  const drawsA = new Float64Array(options.replicates);
  const drawsB = new Float64Array(options.replicates);
  for (let b = 0; b < options.replicates; b++) {
    if (b % REPLICATES_PER_STEP === 0) {
      throwIfAborted(options.signal);
      if (b > 0) yield;
    }
    drawStratified(membersA, random, indicesA);
    if (mode === 'independent') drawStratified(membersB, random, indicesB);
    drawsA[b] = aucOf(before.labels, before.rows, indicesA, k);
    drawsB[b] = aucOf(after.labels, after.rows, mode === 'paired' ? indicesA : indicesB, k);
  }
  const estimateA = aucOf(before.labels, before.rows, membersA[0], k);
  const estimateB = aucOf(after.labels, after.rows, membersB[0], k);
  return { before: estimateA, after: estimateB, change: changeInterval(estimateA, estimateB, drawsA, drawsB, options.level) };
}
