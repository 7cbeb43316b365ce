// Probability-quality metrics: log loss and the expected calibration error with its reliability-diagram bins.
import { FairframeError } from '../errors';
import type { ProbabilityRow } from './metricValues';
import { assertClassIndices, assertSameLength } from './metricValues';

/** float64 machine epsilon: sklearn log_loss's eps="auto" for float64 input. */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

/** Default number of equal-width confidence bins for the ECE (Guo et al. 2017 use M = 15). */
export const DEFAULT_CALIBRATION_BINS = 15;

/** One bin of a reliability diagram: samples whose top-1 confidence lies in (lower, upper] (the first bin includes 0). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 confidence of the bin's samples; NaN when empty. */
  meanConfidence: number;
  /** Share of the bin's samples whose top-1 class is the true class; NaN when empty. */
  accuracy: number;
}

/** Expected and maximum calibration error with the bins they come from. */
export interface CalibrationSummary {
  /** ECE = Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|; NaN for no samples. */
  ece: number;
  /** MCE = max over non-empty bins of |acc(B_m) − conf(B_m)|; NaN for no samples. */
  maxCalibrationError: number;
  bins: ReliabilityBin[];
  n: number;
}

/**
 * Log loss = −(1/n) Σ_i ln p̂_{i,y_i}, with each probability clipped to [eps, 1 − eps] and each row then renormalised
 * to sum to 1 (sklearn.metrics.log_loss ≤ 1.4, eps="auto" for float64). NaN for no samples.
 */
export function logLoss(yTrue: readonly number[], probs: readonly ProbabilityRow[], eps: number = LOG_LOSS_EPS): number {
  assertSameLength('logLoss', yTrue, probs, 'probs');
  assertClassIndices('logLoss', 'yTrue', yTrue);
  if (yTrue.length === 0) return Number.NaN;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = probs[i];
    if (yTrue[i] >= row.length) {
      throw new FairframeError(
        'internal',
        `logLoss: sample ${i} has class ${yTrue[i]} but only ${row.length} probabilities; give one probability per class.`,
      );
    }
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += Math.min(Math.max(row[j], eps), 1 - eps);
    total -= Math.log(Math.min(Math.max(row[yTrue[i]], eps), 1 - eps) / sum);
  }
  return total / yTrue.length;
}

/** The top-1 class (the first on ties, as numpy.argmax) and its probability (inlined in the ECE loop). */
export function topClass(row: ProbabilityRow): { label: number; confidence: number } {
  let label = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[label]) label = j;
  return { label, confidence: row[label] };
}

/** Index of the equal-width bin (lower, upper] holding `confidence`; confidence 0 (and below) goes to bin 0, above 1 to the last. */
export function calibrationBinIndex(confidence: number, bins: number): number {
  let m = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
  // Guard against rounding in confidence·M: compare against the same boundaries m/M that the bins report.
  while (m > 0 && confidence <= m / bins) m--;
  while (m < bins - 1 && confidence > (m + 1) / bins) m++;
  return m;
}

/**
 * Expected calibration error on top-1 confidence with M equal-width bins (Guo et al. 2017, "On Calibration of Modern
 * Neural Networks", eq. 3; Naeini et al. 2015): ECE = Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|. A sample is correct when the
 * argmax of its probabilities is the true class.
 */
export function expectedCalibrationError(
  yTrue: readonly number[],
  probs: readonly ProbabilityRow[],
  bins: number = DEFAULT_CALIBRATION_BINS,
): CalibrationSummary {
  assertSameLength('expectedCalibrationError', yTrue, probs, 'probs');
  if (!Number.isInteger(bins) || bins < 1) {
    throw new FairframeError('bad-config', `expectedCalibrationError: bins is ${bins}; use a positive integer such as 15.`);
  }
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const row = probs[i];
    let label = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[label]) label = j;
    const confidence = row[label];
    const m = calibrationBinIndex(confidence, bins);
    count[m]++;
    confidenceSum[m] += confidence;
    if (label === yTrue[i]) correct[m]++;
  }
  const n = yTrue.length;
  let ece = 0;
  let mce = 0;
  const result: ReliabilityBin[] = count.map((c, m) => {
    const meanConfidence = c > 0 ? confidenceSum[m] / c : Number.NaN;
    const binAccuracy = c > 0 ? correct[m] / c : Number.NaN;
    if (c > 0) {
      const gap = Math.abs(binAccuracy - meanConfidence);
      ece += (c / n) * gap;
      mce = Math.max(mce, gap);
    }
    return { lower: m / bins, upper: (m + 1) / bins, count: c, meanConfidence, accuracy: binAccuracy };
  });
  return { ece: n > 0 ? ece : Number.NaN, maxCalibrationError: n > 0 ? mce : Number.NaN, bins: result, n };
}
