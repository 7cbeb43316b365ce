// The group-stratified bootstrap of `bootstrapMetricFrames`, for metrics that are functions of the confusion matrix and
// the calibration-bin sums (accuracy, error rate, balanced accuracy, selection rate, TPR, FPR, ECE). A replicate that
// resamples a group's n images with replacement holds each distinct kind of image (a confusion cell; with calibration, a
// cell × confidence bin × correct) a Multinomial(n, kind shares) number of times, so the counts are drawn directly:
// O(kinds) per group and replicate instead of O(n). Only the bins' sums of confidence need the images themselves (a sum
// of that many draws from the kind's confidences), so metrics that read them (ECE) still cost O(n) per replicate.
import { throwIfAborted } from '../errors';
import { aggregateDrawBuffers, assembleFrames, comparedPair, DEFAULT_BOOTSTRAP_REPLICATES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE_LEVEL, recordAggregates, type BootstrapFrame, type BootstrapOptions } from './bootstrap';
import { calibrationBinIndex, DEFAULT_CALIBRATION_BINS } from './calibration';
import { groupSamples, metricFrame, type SensitiveFeatures } from './metricFrame';
import type { ProbabilityRow } from './metricValues';
import { multinomialDraw } from './multinomialSampler';
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

/**
 * A metric computed from counts; NaN when undefined. One that reads the calibration-bin sums (binCount, binConfidence,
 * binCorrect) says so with `readsCalibrationBins`: the bootstrap fills them only then, and leaves them NaN otherwise.
 */
export type CountMetric = ((counts: ConfusionCounts) => number) & { readonly readsCalibrationBins?: boolean };

/** Marks a count metric as reading the calibration-bin sums. */
export function readingCalibrationBins(metric: (counts: ConfusionCounts) => number): CountMetric {
  return Object.assign(metric, { readsCalibrationBins: true as const });
}

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
  ece: readingCalibrationBins((c: ConfusionCounts): number => {
    if (c.n === 0) return Number.NaN;
    let sum = 0;
    for (let m = 0; m < c.binCount.length; m++) sum += Math.abs(c.binCorrect[m] - c.binConfidence[m]);
    return sum / c.n;
  }),
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
 * How a replicate's counts are drawn in each group: 'counts' draws the number of images of each kind from their
 * multinomial, 'images' resamples image indices one by one (the textbook loop); both give the same distribution of
 * counts. 'auto' (the default) takes 'counts' unless a group has more kinds than a quarter of its images.
 */
export type CountResampling = 'auto' | 'counts' | 'images';

/** Options of `bootstrapCountFrames`: the bootstrap's, the number of calibration bins and the resampling. */
export interface CountBootstrapOptions extends BootstrapOptions {
  bins?: number;
  resampling?: CountResampling;
}

/** Draw confidence sums from a kind's distinct values by multinomial when there are this many times fewer than draws. */
const FEW_VALUES_FACTOR = 16;

/** A group's kinds of images (a confusion cell; with calibration a cell × bin × correct), heaviest first. */
interface GroupKinds {
  size: number;
  weight: Float64Array;
  cell: Int32Array;
  bin: Int32Array;
  correct: Uint8Array;
  /** Per kind (with calibration): its images' confidences ascending, their distinct values and how many hold each. */
  sorted: Float64Array[];
  values: Float64Array[];
  multiplicity: Float64Array[];
  /** Scratch: the counts drawn for each kind, and for each distinct value. */
  drawn: Float64Array;
  drawnValues: Float64Array[];
}

/** The kinds of a group's images. Their order depends on the counts only (not on the order of the images), so shards merge exactly. */
function groupKinds(samples: Samples, indices: readonly number[], calibration: boolean): GroupKinds {
  const { bins } = samples;
  const byKey = new Map<number, number[]>();
  for (const i of indices) {
    const key = calibration ? (samples.cell[i] * bins + samples.bin[i]) * 2 + samples.correct[i] : samples.cell[i];
    let members = byKey.get(key);
    if (!members) byKey.set(key, (members = []));
    members.push(i);
  }
  const kinds = [...byKey.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
  const count = kinds.length;
  const result: GroupKinds = {
    size: indices.length,
    weight: Float64Array.from(kinds, ([, members]) => members.length),
    cell: Int32Array.from(kinds, ([, members]) => samples.cell[members[0]]),
    bin: Int32Array.from(kinds, ([, members]) => samples.bin[members[0]]),
    correct: Uint8Array.from(kinds, ([, members]) => samples.correct[members[0]]),
    sorted: [],
    values: [],
    multiplicity: [],
    drawn: new Float64Array(count),
    drawnValues: [],
  };
  if (calibration) {
    for (const [, members] of kinds) {
      const sorted = Float64Array.from(members, (i) => samples.confidence[i]).sort();
      const values: number[] = [];
      const multiplicity: number[] = [];
      for (let j = 0; j < sorted.length; j++) {
        if (j > 0 && sorted[j] === sorted[j - 1]) {
          multiplicity[multiplicity.length - 1]++;
        } else {
          values.push(sorted[j]);
          multiplicity.push(1);
        }
      }
      result.sorted.push(sorted);
      result.values.push(Float64Array.from(values));
      result.multiplicity.push(Float64Array.from(multiplicity));
      result.drawnValues.push(new Float64Array(values.length));
    }
  }
  return result;
}

/**
 * The sum of confidences of `draws` images drawn with replacement from kind `s`: draws × the value when all are equal,
 * a multinomial over the distinct values when they are few, else one uniform pick per draw.
 */
function confidenceSum(kinds: GroupKinds, s: number, draws: number, random: () => number): number {
  const values = kinds.values[s];
  if (values.length === 1) return draws * values[0];
  if (values.length * FEW_VALUES_FACTOR <= draws) {
    const drawn = kinds.drawnValues[s];
    multinomialDraw(draws, kinds.multiplicity[s], drawn, random);
    let sum = 0;
    for (let v = 0; v < values.length; v++) sum += drawn[v] * values[v];
    return sum;
  }
  const sorted = kinds.sorted[s];
  const size = sorted.length;
  let sum = 0;
  for (let r = 0; r < draws; r++) sum += sorted[Math.floor(random() * size)];
  return sum;
}

/** Fills `counts` with one resample of the group drawn as counts of each kind. */
function drawKindCounts(counts: ConfusionCounts, kinds: GroupKinds, calibration: boolean, random: () => number): void {
  counts.n = kinds.size;
  counts.matrix.fill(0);
  if (calibration) {
    counts.binCount.fill(0);
    counts.binConfidence.fill(0);
    counts.binCorrect.fill(0);
  }
  multinomialDraw(kinds.size, kinds.weight, kinds.drawn, random);
  for (let s = 0; s < kinds.drawn.length; s++) {
    const drawn = kinds.drawn[s];
    if (drawn === 0) continue;
    counts.matrix[kinds.cell[s]] += drawn;
    if (!calibration) continue;
    const m = kinds.bin[s];
    counts.binCount[m] += drawn;
    counts.binCorrect[m] += drawn * kinds.correct[s];
    counts.binConfidence[m] += confidenceSum(kinds, s, drawn, random);
  }
}

/** Fills `counts` with one resample of the group drawn image by image. */
function drawImages(counts: ConfusionCounts, samples: Samples, indices: readonly number[], random: () => number): void {
  clear(counts);
  const size = indices.length;
  for (let r = 0; r < size; r++) add(counts, samples, indices[Math.floor(random() * size)]);
}

/** Replicate draws of every figure of every metric, before they become intervals (exported for the distribution tests). */
export interface CountBootstrapDraws {
  names: string[];
  frames: ReturnType<typeof metricFrame>[];
  pairs: Array<{ high: number; low: number }>;
  overallDraws: Float64Array[];
  groupDraws: Float64Array[][];
  aggregateDraws: ReturnType<typeof aggregateDrawBuffers>;
}

/** The replicate draws of `bootstrapCountFrames`. */
export function bootstrapCountDraws(
  metrics: Readonly<Record<string, CountMetric>>,
  yTrue: readonly number[],
  yPred: readonly number[],
  k: number,
  sensitiveFeatures: SensitiveFeatures,
  options: CountBootstrapOptions = {},
): CountBootstrapDraws {
  const replicates = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const bins = options.bins ?? DEFAULT_CALIBRATION_BINS;
  const samples = prepareSamples(yTrue, yPred, options.probs, k, bins);
  const names = Object.keys(metrics);
  const calibration = names.some((name) => metrics[name].readsCalibrationBins === true);
  const frames = names.map((name) => {
    const metric = metrics[name];
    return metricFrame((t, p, rows) => metric(confusionCounts(t, p, rows, k, bins)), yTrue, yPred, sensitiveFeatures, { ...options, name });
  });
  const { groups } = groupSamples(sensitiveFeatures, yTrue.length);
  const g = groups.length;
  const resampling = options.resampling ?? 'auto';
  const kinds = groups.map((group) => (resampling === 'images' ? undefined : groupKinds(samples, group.indices, calibration)));
  const byCounts = kinds.map((kind) => kind !== undefined && (resampling === 'counts' || kind.weight.length * 4 <= kind.size));
  const groupCounts = groups.map(() => emptyCounts(k, bins));
  const overallCounts = emptyCounts(k, bins);
  // Without a metric that reads them, the bin sums are not drawn: NaN, so that a metric reading them unannounced shows it.
  if (!calibration) for (const counts of [...groupCounts, overallCounts]) for (const sums of [counts.binCount, counts.binConfidence, counts.binCorrect]) sums.fill(Number.NaN);
  const overallDraws = names.map(() => new Float64Array(replicates));
  const groupDraws = names.map(() => groups.map(() => new Float64Array(replicates)));
  const aggregateDraws = aggregateDrawBuffers(names.length, replicates);
  const compared = frames.map((frame) => frame.byGroup.map((group) => group.compared));
  const pairs = frames.map(comparedPair);
  const values = new Float64Array(g);
  const random = mulberry32(options.seed ?? DEFAULT_BOOTSTRAP_SEED);

  for (let b = 0; b < replicates; b++) {
    if ((b & 15) === 0) throwIfAborted(options.signal);
    overallCounts.n = 0;
    overallCounts.matrix.fill(0);
    if (calibration) for (const sums of [overallCounts.binCount, overallCounts.binConfidence, overallCounts.binCorrect]) sums.fill(0);
    for (let j = 0; j < g; j++) {
      const counts = groupCounts[j];
      const kind = kinds[j];
      if (byCounts[j] && kind) drawKindCounts(counts, kind, calibration, random);
      else {
        drawImages(counts, samples, groups[j].indices, random);
        if (!calibration) for (const sums of [counts.binCount, counts.binConfidence, counts.binCorrect]) sums.fill(Number.NaN);
      }
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
  return { names, frames, pairs, overallDraws, groupDraws, aggregateDraws };
}

/**
 * Bootstrap intervals, as `bootstrapMetricFrames` defines them (same frames, same aggregates, the same stratified
 * resampling: each group resampled within itself at its own size, the overall value on their union), for count metrics
 * over `k` classes. Point estimates come from `metricFrame` on the full sample. Deterministic for a seed, and independent
 * of the order of the images within a group when drawn as counts.
 */
export function bootstrapCountFrames(
  metrics: Readonly<Record<string, CountMetric>>,
  yTrue: readonly number[],
  yPred: readonly number[],
  k: number,
  sensitiveFeatures: SensitiveFeatures,
  options: CountBootstrapOptions = {},
): Record<string, BootstrapFrame> {
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const draws = bootstrapCountDraws(metrics, yTrue, yPred, k, sensitiveFeatures, options);
  return assembleFrames(draws.names, draws.frames, draws.pairs, draws.overallDraws, draws.groupDraws, draws.aggregateDraws, level);
}
