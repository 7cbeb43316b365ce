// The group-stratified bootstrap of `bootstrapMetricFrames`, for metrics that are functions of the confusion matrix and
// the calibration-bin sums (accuracy, error rate, balanced accuracy, selection rate, TPR, FPR, ECE): each replicate
// draws the same resample (every group within itself, at its own size) but only accumulates counts, so its cost is
// O(n) draws plus O(groups · metrics · K) evaluations instead of O(n · metrics) array passes.
import { throwIfAborted } from '../errors';
import { aggregateDrawBuffers, assembleFrames, comparedPair, DEFAULT_BOOTSTRAP_REPLICATES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE_LEVEL, recordAggregates, type BootstrapFrame, type BootstrapOptions } from './bootstrap';
import { calibrationBinIndex, DEFAULT_CALIBRATION_BINS } from './calibration';
import { groupSamples, metricFrame, type SensitiveFeatures } from './metricFrame';
import type { ProbabilityRow } from './metricValues';
import { mulberry32 } from './seededRandom';

/** Sufficient statistics of a sample: the K × K confusion matrix (row = true class) and the calibration-bin sums. */
export interface ConfusionCounts {
  k: number;
  n: number;
  /** matrix[t · k + p] = samples with true class t predicted p. */
  matrix: Float64Array;
  /** Per equal-width bin of top-1 confidence: samples, Σ confidence, Σ correct. */
  binCount: Float64Array;
  binConfidence: Float64Array;
  binCorrect: Float64Array;
  /** Σ −ln p(true class) over the samples, when the samples carry it (see Samples.negativeLogSelf). */
  logLossSum: number;
}

/** A metric computed from counts; NaN when undefined. */
export type CountMetric = (counts: ConfusionCounts) => number;

function rowSum(c: ConfusionCounts, t: number): number {
  let s = 0;
  for (let p = 0; p < c.k; p++) s += c.matrix[t * c.k + p];
  return s;
}

function columnSum(c: ConfusionCounts, p: number): number {
  let s = 0;
  for (let t = 0; t < c.k; t++) s += c.matrix[t * c.k + p];
  return s;
}

/** The metrics of the model audit, as functions of counts. */
export const COUNT_METRICS = {
  /** Accuracy = trace / n. */
  accuracy: (c: ConfusionCounts): number => {
    let trace = 0;
    for (let t = 0; t < c.k; t++) trace += c.matrix[t * c.k + t];
    return c.n > 0 ? trace / c.n : Number.NaN;
  },
  /** Error rate = 1 − accuracy. */
  errorRate: (c: ConfusionCounts): number => 1 - COUNT_METRICS.accuracy(c),
  /** Balanced accuracy = mean over classes present in y_true of C[t][t] / row_t (sklearn balanced_accuracy_score). */
  balancedAccuracy: (c: ConfusionCounts): number => {
    let sum = 0;
    let classes = 0;
    for (let t = 0; t < c.k; t++) {
      const row = rowSum(c, t);
      if (row === 0) continue;
      sum += c.matrix[t * c.k + t] / row;
      classes++;
    }
    return classes > 0 ? sum / classes : Number.NaN;
  },
  /** ECE = Σ_m |Σ correct_m − Σ confidence_m| / n (Guo et al. 2017, eq. 3, written with bin sums). */
  ece: (c: ConfusionCounts): number => {
    if (c.n === 0) return Number.NaN;
    let sum = 0;
    for (let m = 0; m < c.binCount.length; m++) sum += Math.abs(c.binCorrect[m] - c.binConfidence[m]);
    return sum / c.n;
  },
  /** Selection rate of class p = column_p / n (fairlearn selection_rate, one-vs-rest). */
  selectionRate: (p: number) => (c: ConfusionCounts): number => (c.n > 0 ? columnSum(c, p) / c.n : Number.NaN),
  /** TPR of class p = C[p][p] / row_p (recall); NaN with fewer than `minPositives` positives (default 1: none). */
  truePositiveRate: (p: number, minPositives = 1) => (c: ConfusionCounts): number => {
    const row = rowSum(c, p);
    return row >= Math.max(1, minPositives) ? c.matrix[p * c.k + p] / row : Number.NaN;
  },
  /** FPR of class p = (column_p − C[p][p]) / (n − row_p); NaN with fewer than `minNegatives` negatives (default 1: none). */
  falsePositiveRate: (p: number, minNegatives = 1) => (c: ConfusionCounts): number => {
    const negatives = c.n - rowSum(c, p);
    return negatives >= Math.max(1, minNegatives) ? (columnSum(c, p) - c.matrix[p * c.k + p]) / negatives : Number.NaN;
  },
  /** Macro F1 = mean over the classes in y_true ∪ y_pred of 2·C[c][c] / (row_c + column_c) (sklearn f1_score, average='macro'). */
  macroF1: (c: ConfusionCounts): number => {
    let sum = 0;
    let classes = 0;
    for (let t = 0; t < c.k; t++) {
      const denominator = rowSum(c, t) + columnSum(c, t);
      if (denominator === 0) continue;
      sum += (2 * c.matrix[t * c.k + t]) / denominator;
      classes++;
    }
    return classes > 0 ? sum / classes : Number.NaN;
  },
  /** Log loss = Σ −ln p(true class) / n (sklearn log_loss; the samples clip p at machine epsilon as it does). */
  logLoss: (c: ConfusionCounts): number => (c.n > 0 ? c.logLossSum / c.n : Number.NaN),
};

/** Per-sample facts the counts are made of. */
/** Per-image counts the bootstrap adds up: confusion cell, calibration bin, confidence and correctness. */
export interface Samples {
  k: number;
  bins: number;
  cell: Int32Array;
  bin: Int32Array;
  confidence: Float64Array;
  correct: Uint8Array;
  /** −ln max(p(true class), ε) per sample, when the probabilities are known (log loss). */
  negativeLogSelf?: Float64Array;
}

function prepareSamples(yTrue: readonly number[], yPred: readonly number[], probs: readonly ProbabilityRow[] | undefined, k: number, bins: number): Samples {
  const n = yTrue.length;
  const samples: Samples = { k, bins, cell: new Int32Array(n), bin: new Int32Array(n), confidence: new Float64Array(n), correct: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    samples.cell[i] = yTrue[i] * k + yPred[i];
    if (probs) {
      // Top-1 as the ECE function takes it: argmax of the row, the first on ties.
      const row = probs[i];
      let label = 0;
      for (let j = 1; j < row.length; j++) if (row[j] > row[label]) label = j;
      samples.confidence[i] = row[label];
      samples.bin[i] = calibrationBinIndex(row[label], bins);
      samples.correct[i] = label === yTrue[i] ? 1 : 0;
    }
  }
  return samples;
}

export function emptyCounts(k: number, bins: number): ConfusionCounts {
  return { k, n: 0, matrix: new Float64Array(k * k), binCount: new Float64Array(bins), binConfidence: new Float64Array(bins), binCorrect: new Float64Array(bins), logLossSum: 0 };
}

export function clear(c: ConfusionCounts): void {
  c.n = 0;
  c.matrix.fill(0);
  c.binCount.fill(0);
  c.binConfidence.fill(0);
  c.binCorrect.fill(0);
  c.logLossSum = 0;
}

export function add(c: ConfusionCounts, s: Samples, i: number): void {
  c.n++;
  c.matrix[s.cell[i]]++;
  const m = s.bin[i];
  c.binCount[m]++;
  c.binConfidence[m] += s.confidence[i];
  c.binCorrect[m] += s.correct[i];
  if (s.negativeLogSelf) c.logLossSum += s.negativeLogSelf[i];
}

export function addAll(target: ConfusionCounts, source: ConfusionCounts): void {
  target.n += source.n;
  target.logLossSum += source.logLossSum;
  for (let j = 0; j < source.matrix.length; j++) target.matrix[j] += source.matrix[j];
  for (let m = 0; m < source.binCount.length; m++) {
    target.binCount[m] += source.binCount[m];
    target.binConfidence[m] += source.binConfidence[m];
    target.binCorrect[m] += source.binCorrect[m];
  }
}

/** The counts of the samples at `indices` (all samples when omitted). */
export function confusionCounts(yTrue: readonly number[], yPred: readonly number[], probs: readonly ProbabilityRow[] | undefined, k: number, bins = DEFAULT_CALIBRATION_BINS): ConfusionCounts {
  const samples = prepareSamples(yTrue, yPred, probs, k, bins);
  const counts = emptyCounts(k, bins);
  for (let i = 0; i < yTrue.length; i++) add(counts, samples, i);
  return counts;
}

/**
 * Bootstrap intervals, as `bootstrapMetricFrames` computes them (same frames, same aggregates, same stratified resampling
 * scheme), for count metrics over `k` classes. Point estimates come from `metricFrame` on the full sample.
 */
export function bootstrapCountFrames(
  metrics: Readonly<Record<string, CountMetric>>,
  yTrue: readonly number[],
  yPred: readonly number[],
  k: number,
  sensitiveFeatures: SensitiveFeatures,
  options: BootstrapOptions & { bins?: number } = {},
): Record<string, BootstrapFrame> {
  const replicates = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const bins = options.bins ?? DEFAULT_CALIBRATION_BINS;
  const samples = prepareSamples(yTrue, yPred, options.probs, k, bins);
  const names = Object.keys(metrics);
  const frames = names.map((name) => {
    const metric = metrics[name];
    return metricFrame((t, p, rows) => metric(confusionCounts(t, p, rows, k, bins)), yTrue, yPred, sensitiveFeatures, { ...options, name });
  });
  const { groups } = groupSamples(sensitiveFeatures, yTrue.length);
  const g = groups.length;
  const groupCounts = groups.map(() => emptyCounts(k, bins));
  const overallCounts = emptyCounts(k, bins);
  const overallDraws = names.map(() => new Float64Array(replicates));
  const groupDraws = names.map(() => groups.map(() => new Float64Array(replicates)));
  const aggregateDraws = aggregateDrawBuffers(names.length, replicates);
  const compared = frames.map((frame) => frame.byGroup.map((group) => group.compared));
  const pairs = frames.map(comparedPair);
  const values = new Float64Array(g);
  const random = mulberry32(options.seed ?? DEFAULT_BOOTSTRAP_SEED);

  for (let b = 0; b < replicates; b++) {
    if ((b & 63) === 0) throwIfAborted(options.signal);
    clear(overallCounts);
    for (let j = 0; j < g; j++) {
      const indices = groups[j].indices;
      const size = indices.length;
      const counts = groupCounts[j];
      clear(counts);
      for (let r = 0; r < size; r++) add(counts, samples, indices[Math.floor(random() * size)]);
      addAll(overallCounts, counts);
    }
    for (let m = 0; m < names.length; m++) {
      const metric = metrics[names[m]];
      const overall = metric(overallCounts);
      overallDraws[m][b] = overall;
      let missing = false;
      for (let j = 0; j < g; j++) {
        values[j] = metric(groupCounts[j]);
        groupDraws[m][j][b] = values[j];
        if (compared[m][j] && Number.isNaN(values[j])) missing = true;
      }
      recordAggregates(aggregateDraws[m], b, overall, values, compared[m], pairs[m], missing);
    }
  }

  return assembleFrames(names, frames, pairs, overallDraws, groupDraws, aggregateDraws, level);
}
