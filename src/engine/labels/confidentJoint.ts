// The confident joint of confident learning (Northcutt, Jiang & Chuang 2021, "Confident Learning:
// Estimating Uncertainty in Dataset Labels", JAIR 70, §3.1), with the counting, tie and calibration
// rules of cleanlab 2.x (cleanlab/count.py: get_confident_thresholds, compute_confident_joint,
// calibrate_confident_joint, estimate_joint; cleanlab/internal/util.py: round_preserving_sum).
import { FairframeError } from '../errors';
import { argmax } from '../model/softmax';

/** Predicted-probability rows, one per example, K columns each (out-of-sample softmax outputs). */
export type ProbabilityRows = ReadonlyArray<ArrayLike<number>>;

/** Slack on the threshold comparison p_j ≥ t_j − ε, as in cleanlab (1e-6). */
export const THRESHOLD_SLACK = 1e-6;
/** Lower clip on a class threshold, cleanlab's CONFIDENT_THRESHOLDS_LOWER_BOUND (2e-6). */
const THRESHOLD_LOWER_BOUND = 2e-6;
/** Threshold of a class nobody carries: above every probability, so nothing is counted into it (cleanlab's BIG_VALUE). */
const MISSING_CLASS_THRESHOLD = 2;
/** cleanlab's TINY_VALUE, the floor of a divisor. */
const TINY_VALUE = 1e-100;

/** The confident joint C[i][j] (given label i, confidently-predicted true label j) and how it was counted. */
export interface ConfidentJointResult {
  /** K × K counts after the diagonal floor of 1 (and calibration when asked). */
  joint: number[][];
  /** Per-class thresholds t_j used for counting. */
  thresholds: number[];
  /** Examples counted off the diagonal (confident true label ≠ given label), ascending. */
  offDiagonalIndices: number[];
}

/** Checks labels, probability rows and K agree; throws a FairframeError naming the first bad entry. */
export function validateLabelInputs(labels: readonly number[], probs: ProbabilityRows, classCount: number): void {
  if (!Number.isInteger(classCount) || classCount < 2) {
    throw new FairframeError('internal', `Label-issue detection needs at least 2 classes, not ${classCount}; pass the number of classes the model predicts.`);
  }
  if (labels.length !== probs.length) {
    throw new FairframeError('internal', `There are ${labels.length} labels but ${probs.length} probability rows; pass one row of predicted probabilities per labelled example.`);
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new FairframeError('internal', `Label ${label} of example ${i} is not a class index in 0…${classCount - 1}; map class names to indices first.`);
    }
    const row = probs[i];
    if (row.length !== classCount) {
      throw new FairframeError('internal', `Probability row ${i} has ${row.length} entries, not ${classCount}; every row needs one probability per class.`);
    }
    for (let k = 0; k < classCount; k++) {
      if (!Number.isFinite(row[k])) {
        throw new FairframeError('internal', `Probability row ${i} has a non-finite entry at class ${k}; apply softmax to finite logits.`);
      }
    }
  }
}

/** Number of examples carrying each given label, zero for absent classes. */
export function labelCounts(labels: readonly number[], classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/** numpy's round (half to even), which cleanlab's rounding relies on. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Indices that sort `values` ascending; ties keep index order. */
export function stableArgsort(values: ArrayLike<number>): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[a] - values[b] || a - b);
  return order;
}

/**
 * Rounds floats to integers keeping their rounded total (cleanlab round_preserving_sum, after iteround):
 * round each, then move the largest (or smallest) rounding residues by ±1 until the totals agree.
 */
export function roundPreservingSum(values: readonly number[]): number[] {
  const ints = values.map(roundHalfEven);
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const targetSum = roundHalfEven(sum(values));
  let intSum = roundHalfEven(sum(ints));
  while (Math.abs(intSum - targetSum) > 1e-6) {
    const difference = roundHalfEven(targetSum - intSum);
    const increment = difference < 0 ? -1 : 1;
    const changes = Math.min(Math.abs(difference), values.length);
    let order = stableArgsort(values.map((v, i) => v - ints[i]));
    if (increment === 1) order = order.reverse();
    for (const i of order.slice(0, changes)) ints[i] += increment;
    intSum = roundHalfEven(sum(ints));
  }
  return ints;
}

/** Per-class thresholds t_j = mean of p̂(y=j|x) over examples whose given label is j (CL paper eq. 2; cleanlab get_confident_thresholds). */
export function confidentThresholds(labels: readonly number[], probs: ProbabilityRows, classCount: number): number[] {
  const sums = new Array<number>(classCount).fill(0);
  const counts = labelCounts(labels, classCount);
  for (let i = 0; i < labels.length; i++) sums[labels[i]] += probs[i][labels[i]];
  return sums.map((total, k) => Math.max(counts[k] > 0 ? total / counts[k] : MISSING_CLASS_THRESHOLD, THRESHOLD_LOWER_BOUND));
}

/**
 * The confident true label of one example, or −1 when no class clears its threshold:
 * the single class with p_j ≥ t_j − 1e-6, or the row's argmax when several do (cleanlab compute_confident_joint).
 */
export function confidentLabel(row: ArrayLike<number>, thresholds: readonly number[]): number {
  let confident = -1;
  let count = 0;
  for (let k = 0; k < thresholds.length; k++) {
    if (row[k] >= thresholds[k] - THRESHOLD_SLACK) {
      if (count === 0) confident = k;
      count++;
    }
  }
  return count > 1 ? argmax(row) : confident;
}

/**
 * Confident joint C[i][j] = #{x : given label i, confident label j} with the diagonal floored at 1,
 * then calibrated unless `calibrate` is false (cleanlab compute_confident_joint, default calibrate=True).
 */
export function computeConfidentJoint(
  labels: readonly number[],
  probs: ProbabilityRows,
  classCount: number,
  options: { thresholds?: readonly number[]; calibrate?: boolean } = {},
): ConfidentJointResult {
  validateLabelInputs(labels, probs, classCount);
  const thresholds = options.thresholds ? [...options.thresholds] : confidentThresholds(labels, probs, classCount);
  let joint = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const offDiagonalIndices: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const guess = confidentLabel(probs[i], thresholds);
    if (guess < 0) continue;
    joint[labels[i]][guess]++;
    if (guess !== labels[i]) offDiagonalIndices.push(i);
  }
  // Guarantee at least one correctly labelled example per class, as cleanlab does.
  for (let k = 0; k < classCount; k++) joint[k][k] = Math.max(joint[k][k], 1);
  if (options.calibrate !== false) joint = calibrateConfidentJoint(joint, labels);
  return { joint, thresholds, offDiagonalIndices };
}

/**
 * Calibrates a joint so row i sums to the number of examples labelled i and the whole to N:
 * Q[i][j] = C[i][j] / Σ_j C[i][j] · n_i, rescaled to Σ Q = N, rounded preserving row totals (CL paper eq. 3; cleanlab calibrate_confident_joint).
 */
export function calibrateConfidentJoint(joint: readonly (readonly number[])[], labels: readonly number[]): number[][] {
  const classCount = joint.length;
  const counts = labelCounts(labels, classCount);
  const rows = joint.map((row, i) => {
    const rowSum = Math.max(row.reduce((a, b) => a + b, 0), TINY_VALUE);
    return row.map((value) => (value / rowSum) * counts[i]);
  });
  const total = Math.max(rows.reduce((acc, row) => acc + row.reduce((a, b) => a + b, 0), 0), TINY_VALUE);
  const n = counts.reduce((a, b) => a + b, 0);
  return rows.map((row) => roundPreservingSum(row.map((value) => (value / total) * n)));
}

/** Confusion matrix of given label (row) against argmax prediction (column), optionally calibrated (cleanlab find_label_issues_using_argmax_confusion_matrix). */
export function argmaxConfusionJoint(labels: readonly number[], probs: ProbabilityRows, classCount: number, calibrate = true): number[][] {
  validateLabelInputs(labels, probs, classCount);
  const joint = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < labels.length; i++) joint[labels[i]][argmax(probs[i])]++;
  return calibrate ? calibrateConfidentJoint(joint, labels) : joint;
}

/** Estimated joint P(given=i, true=j): the calibrated joint normalised to sum 1 (cleanlab estimate_joint, which calibrates the joint it is given). */
export function estimateJoint(joint: readonly (readonly number[])[], labels: readonly number[]): number[][] {
  const calibrated = calibrateConfidentJoint(joint, labels);
  const total = Math.max(calibrated.reduce((acc, row) => acc + row.reduce((a, b) => a + b, 0), 0), TINY_VALUE);
  return calibrated.map((row) => row.map((value) => value / total));
}
