// Label-error detection by confident learning (Northcutt, Jiang & Chuang 2021, JAIR 70, §3.2),
// following cleanlab 2.x cleanlab/filter.py find_label_issues and cleanlab/count.py num_label_issues.
import { FairframeError } from '../errors';
import type { ProbabilityRows } from './confidentJoint';
import {
  computeConfidentJoint,
  estimateJoint,
  labelCounts,
  roundHalfEven,
  stableArgsort,
  validateLabelInputs,
} from './confidentJoint';
import type { LabelQualityScore } from './labelQualityScores';
import { labelQualityScores, normalizedMargin, orderLabelIssues, selfConfidence } from './labelQualityScores';
import { argmax } from '../model/softmax';

/** How flagged examples are chosen (cleanlab's filter_by). */
export type LabelIssueFilter = 'prune_by_noise_rate' | 'prune_by_class' | 'both' | 'confident_learning' | 'predicted_neq_given';

/** Options of the label-issue filter; defaults are cleanlab's. */
export interface LabelIssueFilterOptions {
  /** Default 'prune_by_noise_rate'. */
  filterBy?: LabelIssueFilter;
  /** Classes with at most this many examples are never pruned, and pruning leaves at least this many per class; default 1. */
  minExamplesPerClass?: number;
  /** Keep only this fraction of the estimated off-diagonal counts (prune filters only); default 1. */
  fracNoise?: number;
  /** A K × K joint (given i, true j) to prune by instead of the computed calibrated confident joint; ignored by 'confident_learning'. */
  confidentJoint?: readonly (readonly number[])[];
}

/** One example's verdict. */
export interface LabelIssueExample {
  index: number;
  givenLabel: number;
  /** argmax of the predicted probabilities. */
  suggestedLabel: number;
  selfConfidence: number;
  normalizedMargin: number;
  isIssue: boolean;
}

/** Everything confident learning found about a labelled set. */
export interface LabelIssueReport {
  filterBy: LabelIssueFilter;
  rankBy: LabelQualityScore;
  /** One entry per example, in input order. */
  examples: LabelIssueExample[];
  /** The flagged examples, most likely mislabelled (lowest `rankBy` score) first. */
  issues: LabelIssueExample[];
  /** Every example index ordered by the `rankBy` score, lowest first (for ranking metrics over the whole set). */
  rankedIndices: number[];
  /** Per-class thresholds t_j. */
  thresholds: number[];
  /** Confident joint before calibration (diagonal floored at 1). */
  confidentJoint: number[][];
  /** Calibrated confident joint: row i sums to the number of examples labelled i. */
  calibratedJoint: number[][];
  /** Estimated fraction of wrong labels, 1 − trace(Q̂) of the estimated joint (cleanlab num_label_issues 'off_diagonal_calibrated'). */
  estimatedNoiseRate: number;
  /** round(estimatedNoiseRate · N). */
  estimatedIssueCount: number;
  /** Per given class i, 1 − Q̂[i][i] / Σ_j Q̂[i][j]: the estimated share of class-i labels that are wrong. */
  perClassNoiseRate: number[];
}

/** Boolean mask of examples whose argmax prediction differs from the given label (cleanlab find_predicted_neq_given). */
export function findPredictedNeqGiven(labels: readonly number[], probs: ProbabilityRows): boolean[] {
  return labels.map((label, i) => argmax(probs[i]) !== label);
}

/** Examples whose given label wins the argmax once it gets a 1e-6 head start: never flagged (cleanlab count._reduce_issues). */
function predictionAgreesWithLabel(label: number, row: ArrayLike<number>): boolean {
  let best = 0;
  let bestValue = label === 0 ? row[0] + 1e-6 : row[0];
  for (let k = 1; k < row.length; k++) {
    const value = k === label ? row[k] + 1e-6 : row[k];
    if (value > bestValue) {
      best = k;
      bestValue = value;
    }
  }
  return best === label;
}

/**
 * Prune counts per class, transposed against the joint (P[j][k] ≈ C[k][j]): raise each diagonal to at least n,
 * take the increase evenly from the column's non-zero off-diagonals, scale off-diagonals by fracNoise, truncate
 * (cleanlab filter._keep_at_least_n_per_class and _reduce_prune_counts).
 */
export function keepAtLeastNPerClass(joint: readonly (readonly number[])[], n: number, fracNoise = 1): number[][] {
  const classCount = joint.length;
  const prune = Array.from({ length: classCount }, (_, r) => Array.from({ length: classCount }, (_, c) => joint[c][r]));
  const result = prune.map((row) => [...row]);
  for (let c = 0; c < classCount; c++) {
    const diagonal = prune[c][c];
    const newDiagonal = Math.max(diagonal, n);
    let nonZero = 0;
    for (let r = 0; r < classCount; r++) if (prune[r][c] !== 0) nonZero++;
    const perNoiseRate = (newDiagonal - diagonal) / Math.max(nonZero - 1, 1);
    let reduced = 0;
    for (let r = 0; r < classCount; r++) {
      if (r === c) continue;
      const lowered = Math.max(prune[r][c] - perNoiseRate, 0);
      const scaled = lowered * fracNoise;
      reduced += lowered - scaled;
      result[r][c] = scaled;
    }
    result[c][c] = newDiagonal + reduced;
  }
  // Counts are truncated to integers (numpy astype(int)); their row totals are then integral already.
  return result.map((row) => row.map((value) => Math.trunc(value)));
}

/** Boolean mask of likely label errors by the chosen filter (cleanlab filter.find_label_issues, single-label). */
export function findLabelIssueMask(labels: readonly number[], probs: ProbabilityRows, classCount: number, options: LabelIssueFilterOptions = {}): boolean[] {
  validateLabelInputs(labels, probs, classCount);
  const filterBy = options.filterBy ?? 'prune_by_noise_rate';
  const minExamples = options.minExamplesPerClass ?? 1;
  const n = labels.length;
  let mask: boolean[];
  if (filterBy === 'predicted_neq_given') {
    mask = findPredictedNeqGiven(labels, probs);
  } else if (filterBy === 'confident_learning') {
    mask = new Array<boolean>(n).fill(false);
    for (const i of computeConfidentJoint(labels, probs, classCount, { calibrate: false }).offDiagonalIndices) mask[i] = true;
  } else {
    const joint = options.confidentJoint ?? computeConfidentJoint(labels, probs, classCount).joint;
    if (joint.length !== classCount || joint.some((row) => row.length !== classCount)) {
      throw new FairframeError('internal', `The confident joint given must be ${classCount} × ${classCount}; pass one row and column per class.`);
    }
    const prune = keepAtLeastNPerClass(joint, minExamples, options.fracNoise ?? 1);
    const members = Array.from({ length: classCount }, () => [] as number[]);
    labels.forEach((label, i) => members[label].push(i));
    const byClass = filterBy === 'prune_by_noise_rate' ? null : pruneByClass(members, probs, prune, minExamples, n);
    const byNoiseRate = filterBy === 'prune_by_class' ? null : pruneByNoiseRate(members, probs, prune, minExamples, n);
    mask = labels.map((_, i) => (byClass === null || byClass[i]) && (byNoiseRate === null || byNoiseRate[i]));
  }
  // An example whose prediction matches its label is never an issue.
  return mask.map((flag, i) => flag && !predictionAgreesWithLabel(labels[i], probs[i]));
}

/** Per class k: flag the n_k − P[k][k] examples with the lowest p̂_k (cleanlab filter._prune_by_class). */
function pruneByClass(members: number[][], probs: ProbabilityRows, prune: number[][], minExamples: number, n: number): boolean[] {
  const mask = new Array<boolean>(n).fill(false);
  members.forEach((indices, k) => {
    // cleanlab writes a class's mask back only when the class has more than one example.
    if (indices.length <= minExamples || indices.length <= 1) return;
    const issues = indices.length - prune[k][k];
    if (issues < 1) return;
    const order = stableArgsort(indices.map((i) => probs[i][k]));
    for (const position of order.slice(0, issues)) mask[indices[position]] = true;
  });
  return mask;
}

/** Per class k and other class j: flag the P[j][k] examples with the largest margin p̂_j − p̂_k (cleanlab filter._prune_by_count). */
function pruneByNoiseRate(members: number[][], probs: ProbabilityRows, prune: number[][], minExamples: number, n: number): boolean[] {
  const mask = new Array<boolean>(n).fill(false);
  members.forEach((indices, k) => {
    if (indices.length <= minExamples || indices.length <= 1) return;
    for (let j = 0; j < prune.length; j++) {
      const count = prune[j][k];
      if (j === k || count <= 0) continue;
      const order = stableArgsort(indices.map((i) => probs[i][k] - probs[i][j]));
      for (const position of order.slice(0, count)) mask[indices[position]] = true;
    }
  });
  return mask;
}

/**
 * Estimated number of label errors (cleanlab count.num_label_issues): 'off_diagonal' counts the confident joint's
 * off-diagonal examples whose prediction is not their label; 'off_diagonal_calibrated' is round((1 − trace Q̂) · N).
 */
export function numLabelIssues(
  labels: readonly number[],
  probs: ProbabilityRows,
  classCount: number,
  method: 'off_diagonal' | 'off_diagonal_calibrated' = 'off_diagonal',
): number {
  if (method === 'off_diagonal') return findLabelIssueMask(labels, probs, classCount, { filterBy: 'confident_learning' }).filter(Boolean).length;
  const { joint } = computeConfidentJoint(labels, probs, classCount);
  return roundHalfEven(offDiagonalShare(estimateJoint(joint, labels)) * labels.length);
}

function offDiagonalShare(estimated: readonly (readonly number[])[]): number {
  let trace = 0;
  estimated.forEach((row, i) => (trace += row[i]));
  return 1 - trace;
}

/** Runs confident learning end to end: thresholds, joints, the issue mask, scores, ranking and a noise-rate estimate. */
export function findLabelIssues(
  labels: readonly number[],
  probs: ProbabilityRows,
  classCount: number,
  options: LabelIssueFilterOptions & { rankBy?: LabelQualityScore } = {},
): LabelIssueReport {
  validateLabelInputs(labels, probs, classCount);
  const filterBy = options.filterBy ?? 'prune_by_noise_rate';
  const rankBy = options.rankBy ?? 'self_confidence';
  const raw = computeConfidentJoint(labels, probs, classCount, { calibrate: false });
  const calibrated = computeConfidentJoint(labels, probs, classCount, { thresholds: raw.thresholds });
  const mask = findLabelIssueMask(labels, probs, classCount, { ...options, filterBy, confidentJoint: options.confidentJoint ?? calibrated.joint });
  const confidence = selfConfidence(labels, probs);
  const margin = normalizedMargin(labels, probs);
  const scores = labelQualityScores(labels, probs, rankBy);
  const examples = labels.map((givenLabel, index) => ({
    index,
    givenLabel,
    suggestedLabel: argmax(probs[index]),
    selfConfidence: confidence[index],
    normalizedMargin: margin[index],
    isIssue: mask[index],
  }));
  const estimated = estimateJoint(calibrated.joint, labels);
  const counts = labelCounts(labels, classCount);
  const noiseRate = offDiagonalShare(estimated);
  return {
    filterBy,
    rankBy,
    examples,
    issues: orderLabelIssues(mask, scores).map((i) => examples[i]),
    rankedIndices: stableArgsort(scores),
    thresholds: raw.thresholds,
    confidentJoint: raw.joint,
    calibratedJoint: calibrated.joint,
    estimatedNoiseRate: noiseRate,
    estimatedIssueCount: roundHalfEven(noiseRate * labels.length),
    perClassNoiseRate: estimated.map((row, i) => {
      const rowSum = row.reduce((a, b) => a + b, 0);
      return counts[i] === 0 || rowSum === 0 ? 0 : 1 - row[i] / rowSum;
    }),
  };
}
