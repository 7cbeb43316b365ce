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

/** A side prepared for resampling: per scored class, the images in ascending score order. */
interface RankedSide {
  side: AucSide;
  /** The classes whose AUC is taken: the second for two classes, else every class. */
  classes: number[];
  orders: Int32Array[];
}

function ranked(side: AucSide, k: number): RankedSide {
  const classes = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
  const orders = classes.map((c) => Int32Array.from(side.labels.keys()).sort((a, b) => side.rows[a][c] - side.rows[b][c]));
  return { side, classes, orders };
}

/**
 * AUC with each image counted `weight[i]` times (its multiplicity in a resample), by the Mann–Whitney statistic:
 * Σ over positive–negative pairs of [s⁺ > s⁻] + ½[s⁺ = s⁻], over W⁺·W⁻ — equal to the trapezoidal area under the ROC
 * curve with ties as one threshold (sklearn roc_auc_score). Two classes: the second class's AUC; more: the mean over
 * the classes with both positives and negatives (macro one-vs-rest). NaN when none has.
 */
function weightedAuc(prepared: RankedSide, weight: Float64Array): number {
  const { side, classes, orders } = prepared;
  let sum = 0;
  let defined = 0;
  classes.forEach((c, j) => {
    const order = orders[j];
    let negativesBelow = 0;
    let pairs = 0;
    let positives = 0;
    for (let start = 0; start < order.length;) {
      const score = side.rows[order[start]][c];
      let blockPositive = 0;
      let blockNegative = 0;
      let end = start;
      for (; end < order.length && side.rows[order[end]][c] === score; end++) {
        const image = order[end];
        if (side.labels[image] === c) blockPositive += weight[image];
        else blockNegative += weight[image];
      }
      pairs += blockPositive * (negativesBelow + 0.5 * blockNegative);
      negativesBelow += blockNegative;
      positives += blockPositive;
      start = end;
    }
    if (positives > 0 && negativesBelow > 0) {
      sum += pairs / (positives * negativesBelow);
      defined++;
    }
  });
  return defined > 0 ? sum / defined : Number.NaN;
}

/** The AUC change of two runs with its percentile interval; pauses every REPLICATES_PER_STEP replicates. */
export function* aucChangeSteps(before: AucSide, after: AucSide, k: number, mode: ChangeMode, options: { replicates: number; seed: number; level: number; signal?: AbortSignal }): Generator<void, { before: number; after: number; change: ConfidenceInterval }> {
  const random = mulberry32(options.seed);
  const all = (side: AucSide): number[][] => [Array.from({ length: side.labels.length }, (_, i) => i)];
  const membersA = all(before);
  const membersB = all(after);
  const rankedA = ranked(before, k);
  const rankedB = ranked(after, k);
  const indicesA = new Int32Array(before.labels.length);
  const indicesB = new Int32Array(after.labels.length);
  const weightA = new Float64Array(before.labels.length);
  const weightB = new Float64Array(after.labels.length);
  const count = (indices: Int32Array, weight: Float64Array): Float64Array => {
    weight.fill(0);
    for (let j = 0; j < indices.length; j++) weight[indices[j]]++;
    return weight;
  };
  const drawsA = new Float64Array(options.replicates);
  const drawsB = new Float64Array(options.replicates);
  for (let b = 0; b < options.replicates; b++) {
    if (b % REPLICATES_PER_STEP === 0) {
      throwIfAborted(options.signal);
      if (b > 0) yield;
    }
    drawStratified(membersA, random, indicesA);
    if (mode === 'independent') drawStratified(membersB, random, indicesB);
    drawsA[b] = weightedAuc(rankedA, count(indicesA, weightA));
    drawsB[b] = weightedAuc(rankedB, count(mode === 'paired' ? indicesA : indicesB, weightB));
  }
  const estimateA = aucOf(before.labels, before.rows, membersA[0], k);
  const estimateB = aucOf(after.labels, after.rows, membersB[0], k);
  return { before: estimateA, after: estimateB, change: changeInterval(estimateA, estimateB, drawsA, drawsB, options.level) };
}
