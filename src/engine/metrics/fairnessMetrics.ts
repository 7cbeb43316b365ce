// Group-fairness metrics as two-line compositions on MetricFrame, as in fairlearn.metrics. "Positive" means label
// `positive` (default 1): for a multiclass model each class c is scored one-vs-rest with positive = c (see `oneVsRest`).
import type { ComparisonMethod, MetricFrame, MetricFrameOptions, MetricFunction, SensitiveFeatures } from './metricFrame';
import { frameDifference, frameRatio, metricFrame } from './metricFrame';
import type { ProbabilityRow, ReportedValue, ZeroDivision } from './metricValues';
import { divide, reportValue } from './metricValues';
import { accuracy } from './classificationMetrics';
import { DEFAULT_CALIBRATION_BINS, expectedCalibrationError } from './calibration';

/** The four-fifths rule: a selection-rate ratio below 0.8 is evidence of adverse impact (US EEOC Uniform Guidelines 1978, §1607.4D). */
export const FOUR_FIFTHS_THRESHOLD = 0.8;

/** Options of the fairness metrics: the frame's options plus the positive label, comparison method and zero-division policy. */
export interface FairnessOptions extends MetricFrameOptions {
  /** The positive label; default 1. */
  positive?: number;
  /** Default 'between_groups'. */
  method?: ComparisonMethod;
  /** TPR/FPR of a group without positives/negatives; default 'nan' (the group is undefined and not compared). */
  zeroDivision?: ZeroDivision;
}

/** A disparity figure with the frames it was composed from. */
export interface Disparity {
  value: ReportedValue;
  method: ComparisonMethod;
  frames: Record<string, MetricFrame>;
}

/** Selection rate = P(ŷ = positive) = (1/n) Σ 1[ŷ_i = positive] (fairlearn.metrics.selection_rate); NaN for no samples. */
export function selectionRate(_yTrue: readonly number[], yPred: readonly number[], positive = 1): number {
  let selected = 0;
  for (const label of yPred) if (label === positive) selected++;
  return divide(selected, yPred.length, 'nan');
}

/** TPR (recall) = TP / (TP + FN) = P(ŷ = pos | y = pos) (fairlearn.metrics.true_positive_rate). */
export function truePositiveRate(yTrue: readonly number[], yPred: readonly number[], positive = 1, zeroDivision: ZeroDivision = 'nan'): number {
  let positives = 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== positive) continue;
    positives++;
    if (yPred[i] === positive) hits++;
  }
  return divide(hits, positives, zeroDivision);
}

/** FPR = FP / (FP + TN) = P(ŷ = pos | y ≠ pos) (fairlearn.metrics.false_positive_rate). */
export function falsePositiveRate(yTrue: readonly number[], yPred: readonly number[], positive = 1, zeroDivision: ZeroDivision = 'nan'): number {
  let negatives = 0;
  let falseAlarms = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === positive) continue;
    negatives++;
    if (yPred[i] === positive) falseAlarms++;
  }
  return divide(falseAlarms, negatives, zeroDivision);
}

/** Error rate = 1 − accuracy = (1/n) Σ 1[ŷ_i ≠ y_i]; NaN for no samples. */
export function errorRate(yTrue: readonly number[], yPred: readonly number[]): number {
  return 1 - accuracy(yTrue, yPred);
}

/** The metric functions behind the fairness figures, bound to a positive label (for metricFrame and the bootstrap). */
export function fairnessMetricFunctions(positive = 1, zeroDivision: ZeroDivision = 'nan'): Record<'selectionRate' | 'truePositiveRate' | 'falsePositiveRate' | 'accuracy' | 'errorRate', MetricFunction> {
  return {
    selectionRate: (yTrue, yPred) => selectionRate(yTrue, yPred, positive),
    truePositiveRate: (yTrue, yPred) => truePositiveRate(yTrue, yPred, positive, zeroDivision),
    falsePositiveRate: (yTrue, yPred) => falsePositiveRate(yTrue, yPred, positive, zeroDivision),
    accuracy: (yTrue, yPred) => accuracy(yTrue, yPred),
    errorRate: (yTrue, yPred) => errorRate(yTrue, yPred),
  };
}

/** ECE per sample set as a MetricFunction (needs probs), with `bins` equal-width bins. */
export function eceMetric(bins: number = DEFAULT_CALIBRATION_BINS): MetricFunction {
  return (yTrue, _yPred, probs) => (probs ? expectedCalibrationError(yTrue, probs, bins).ece : Number.NaN);
}

function frameOf(name: keyof ReturnType<typeof fairnessMetricFunctions>, label: string, yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions): MetricFrame {
  const metric = fairnessMetricFunctions(options.positive ?? 1, options.zeroDivision ?? 'nan')[name];
  return metricFrame(metric, yTrue, yPred, sensitive, { ...options, name: label });
}

/** Demographic parity difference = max_g P(ŷ=pos | g) − min_g P(ŷ=pos | g) (fairlearn demographic_parity_difference). */
export function demographicParityDifference(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const frame = frameOf('selectionRate', 'selection rate', yTrue, yPred, sensitive, options);
  return { value: frameDifference(frame, options.method), method: options.method ?? 'between_groups', frames: { selectionRate: frame } };
}

/** Demographic parity ratio = min_g P(ŷ=pos | g) / max_g P(ŷ=pos | g) (fairlearn demographic_parity_ratio). */
export function demographicParityRatio(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const frame = frameOf('selectionRate', 'selection rate', yTrue, yPred, sensitive, options);
  return { value: frameRatio(frame, options.method), method: options.method ?? 'between_groups', frames: { selectionRate: frame } };
}

function larger(a: ReportedValue, b: ReportedValue, pick: (x: number, y: number) => number): ReportedValue {
  if (a.value === null) return a;
  if (b.value === null) return b;
  return { value: pick(a.value, b.value) };
}

/** Equalized odds difference = max(ΔTPR, ΔFPR) over groups (Hardt et al. 2016; fairlearn equalized_odds_difference). */
export function equalizedOddsDifference(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const tpr = frameOf('truePositiveRate', 'true positive rate', yTrue, yPred, sensitive, options);
  const fpr = frameOf('falsePositiveRate', 'false positive rate', yTrue, yPred, sensitive, options);
  const value = larger(frameDifference(tpr, options.method), frameDifference(fpr, options.method), Math.max);
  return { value, method: options.method ?? 'between_groups', frames: { truePositiveRate: tpr, falsePositiveRate: fpr } };
}

/** Equalized odds ratio = min(TPR ratio, FPR ratio) over groups (fairlearn equalized_odds_ratio). */
export function equalizedOddsRatio(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const tpr = frameOf('truePositiveRate', 'true positive rate', yTrue, yPred, sensitive, options);
  const fpr = frameOf('falsePositiveRate', 'false positive rate', yTrue, yPred, sensitive, options);
  const value = larger(frameRatio(tpr, options.method), frameRatio(fpr, options.method), Math.min);
  return { value, method: options.method ?? 'between_groups', frames: { truePositiveRate: tpr, falsePositiveRate: fpr } };
}

/** Equal opportunity difference = max_g TPR_g − min_g TPR_g (Hardt et al. 2016; fairlearn equal_opportunity_difference). */
export function equalOpportunityDifference(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const frame = frameOf('truePositiveRate', 'true positive rate', yTrue, yPred, sensitive, options);
  return { value: frameDifference(frame, options.method), method: options.method ?? 'between_groups', frames: { truePositiveRate: frame } };
}

/** Equal opportunity ratio = min_g TPR_g / max_g TPR_g (fairlearn equal_opportunity_ratio). */
export function equalOpportunityRatio(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): Disparity {
  const frame = frameOf('truePositiveRate', 'true positive rate', yTrue, yPred, sensitive, options);
  return { value: frameRatio(frame, options.method), method: options.method ?? 'between_groups', frames: { truePositiveRate: frame } };
}

/** Disparate impact ratio with the four-fifths verdict. */
export interface DisparateImpact {
  ratio: ReportedValue;
  /** ratio ≥ 0.8; null when the ratio is undefined. */
  passesFourFifths: boolean | null;
  frame: MetricFrame;
}

/** Disparate impact ratio = min_g / max_g selection rate; passes the 80% rule when ≥ 0.8 (Feldman et al. 2015; EEOC 1978). */
export function disparateImpact(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): DisparateImpact {
  const frame = frameOf('selectionRate', 'selection rate', yTrue, yPred, sensitive, options);
  const ratio = frame.ratioBetweenGroups;
  return { ratio, passesFourFifths: ratio.value === null ? null : ratio.value >= FOUR_FIFTHS_THRESHOLD, frame };
}

/** The worst group's error over the best's. */
export interface ErrorRateRatio {
  /** max_g error_g / min_g error_g; undefined (null) when the best group makes no error. */
  ratio: ReportedValue;
  worstGroup?: string;
  bestGroup?: string;
  worst: ReportedValue;
  best: ReportedValue;
  frame: MetricFrame;
}

/** Error-rate ratio = max_g (1 − acc_g) / min_g (1 − acc_g) (Buolamwini & Gebru 2018, Gender Shades: 34.7% vs 0.8%). */
export function errorRateRatio(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: MetricFrameOptions = {}): ErrorRateRatio {
  const frame = metricFrame(fairnessMetricFunctions().errorRate, yTrue, yPred, sensitive, { ...options, name: options.name ?? 'error rate' });
  const { groupMax: worst, groupMin: best } = frame;
  const ratio = worst.value === null || best.value === null
    ? { value: null, undefined: true as const, reason: worst.reason ?? 'no group compared' }
    : reportValue(worst.value / best.value, `the best group ('${best.group}') makes no error, so the ratio is unbounded; report the difference instead`);
  return { ratio, worstGroup: worst.group, bestGroup: best.group, worst, best, frame };
}

/** Accuracy of the worst group and the accuracy gap. */
export interface AccuracyParity {
  worstGroupAccuracy: ReportedValue;
  worstGroup?: string;
  /** max_g acc_g − min_g acc_g (or to overall). */
  difference: ReportedValue;
  /** min_g acc_g / max_g acc_g (or to overall). */
  ratio: ReportedValue;
  frame: MetricFrame;
}

/** Worst-group accuracy = min_g acc_g (Sagawa et al. 2020); accuracy parity = difference/ratio of accuracy between groups. */
export function accuracyParity(yTrue: readonly number[], yPred: readonly number[], sensitive: SensitiveFeatures, options: FairnessOptions = {}): AccuracyParity {
  const frame = frameOf('accuracy', 'accuracy', yTrue, yPred, sensitive, options);
  return {
    worstGroupAccuracy: frame.groupMin,
    worstGroup: frame.groupMin.group,
    difference: frameDifference(frame, options.method),
    ratio: frameRatio(frame, options.method),
    frame,
  };
}

/** Calibration by group: ECE (Guo et al. 2017, M equal-width bins on top-1 confidence) per group, with its gap. */
export function calibrationByGroup(
  yTrue: readonly number[],
  probs: readonly ProbabilityRow[],
  sensitive: SensitiveFeatures,
  options: MetricFrameOptions & { bins?: number } = {},
): MetricFrame {
  const yPred = new Array<number>(yTrue.length).fill(0);
  return metricFrame(eceMetric(options.bins), yTrue, yPred, sensitive, { ...options, probs, name: options.name ?? 'expected calibration error' });
}

/** Runs `compute` once per class c with positive = c (one-vs-rest), e.g. `oneVsRest([0, 1, 2], (c) => disparateImpact(y, ŷ, g, { positive: c }))`. */
export function oneVsRest<T>(classes: readonly number[], compute: (positive: number) => T): Array<{ positive: number; result: T }> {
  return classes.map((positive) => ({ positive, result: compute(positive) }));
}
