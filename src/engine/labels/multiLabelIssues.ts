// Multi-label label issues by one-vs-rest reduction (cleanlab/filter.py _find_label_issues_multilabel,
// cleanlab/multilabel_classification/filter.py find_multilabel_issues_per_class): each class c becomes a
// binary problem with labels [c ∈ given] and probabilities [1 − p_c, p_c]; an example is an issue when any class flags it.
import { FairframeError } from '../errors';
import type { ConfidentJointResult, ProbabilityRows } from './confidentJoint';
import { computeConfidentJoint } from './confidentJoint';
import type { LabelIssueFilterOptions } from './confidentLearning';
import { findLabelIssueMask, findPredictedNeqGiven } from './confidentLearning';

interface BinaryProblem {
  labels: number[];
  probs: number[][];
}

/** The one-vs-rest binary problem of every class (cleanlab stack_complement on one-hot labels). */
function binaryProblems(labels: readonly (readonly number[])[], probs: ProbabilityRows): BinaryProblem[] {
  if (labels.length !== probs.length) {
    throw new FairframeError('internal', `There are ${labels.length} label sets but ${probs.length} probability rows; pass one row per example.`);
  }
  const classCount = probs.length > 0 ? probs[0].length : 0;
  labels.forEach((set, i) => {
    for (const label of set) {
      if (!Number.isInteger(label) || label < 0 || label >= classCount) {
        throw new FairframeError('internal', `Label ${label} of example ${i} is not a class index in 0…${classCount - 1}; map class names to indices first.`);
      }
    }
  });
  return Array.from({ length: classCount }, (_, c) => ({
    labels: labels.map((set) => (set.includes(c) ? 1 : 0)),
    probs: Array.from({ length: probs.length }, (_, i) => [1 - probs[i][c], probs[i][c]]),
  }));
}

/** Multi-label mask: an example is flagged when the filter flags it in any class's one-vs-rest problem. */
export function findMultiLabelIssueMask(labels: readonly (readonly number[])[], probs: ProbabilityRows, options: Omit<LabelIssueFilterOptions, 'confidentJoint'> = {}): boolean[] {
  const mask = new Array<boolean>(labels.length).fill(false);
  for (const problem of binaryProblems(labels, probs)) {
    const classMask = options.filterBy === 'predicted_neq_given'
      ? findPredictedNeqGiven(problem.labels, problem.probs)
      : findLabelIssueMask(problem.labels, problem.probs, 2, options);
    classMask.forEach((flag, i) => (mask[i] = mask[i] || flag));
  }
  return mask;
}

/** Per-class one-vs-rest confident joints, K × 2 × 2 (cleanlab compute_confident_joint with multi_label=True). */
export function multiLabelConfidentJoints(labels: readonly (readonly number[])[], probs: ProbabilityRows, calibrate = true): ConfidentJointResult[] {
  return binaryProblems(labels, probs).map((problem) => computeConfidentJoint(problem.labels, problem.probs, 2, { calibrate }));
}
