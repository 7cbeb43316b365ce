// Label-quality scores of cleanlab/rank.py: lower means more likely mislabelled.
import type { ProbabilityRows } from './confidentJoint';
import { stableArgsort } from './confidentJoint';

/** Which label-quality score ranks the issues. */
export type LabelQualityScore = 'self_confidence' | 'normalized_margin';

/** Self-confidence s(x) = p̂(y = given label | x) (cleanlab get_self_confidence_for_each_label). */
export function selfConfidence(labels: readonly number[], probs: ProbabilityRows): number[] {
  return labels.map((label, i) => probs[i][label]);
}

/**
 * Normalised margin m(x) = (p̂_y − max_{k≠y} p̂_k + 1) / 2, in [0, 1]
 * (cleanlab get_normalized_margin_for_each_label; Wei et al. 2018 margin, rescaled).
 */
export function normalizedMargin(labels: readonly number[], probs: ProbabilityRows): number[] {
  return labels.map((label, i) => {
    const row = probs[i];
    let otherMax = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < row.length; k++) if (k !== label && row[k] > otherMax) otherMax = row[k];
    return (row[label] - otherMax + 1) / 2;
  });
}

/** The chosen score for every example. */
export function labelQualityScores(labels: readonly number[], probs: ProbabilityRows, score: LabelQualityScore): number[] {
  return score === 'self_confidence' ? selfConfidence(labels, probs) : normalizedMargin(labels, probs);
}

/** Indices of the flagged examples, lowest score first; ties keep index order (cleanlab order_label_issues). */
export function orderLabelIssues(mask: readonly boolean[], scores: readonly number[]): number[] {
  const flagged = mask.flatMap((isIssue, i) => (isIssue ? [i] : []));
  return stableArgsort(flagged.map((i) => scores[i])).map((position) => flagged[position]);
}
