// Average precision of a ranking, AP = Σ_n (R_n − R_{n−1}) · P_n over decreasing score thresholds
// (scikit-learn average_precision_score; Manning, Raghavan & Schütze 2008, §8.4).
import { FairframeError } from '../errors';

/**
 * AP of scores against binary truth, scikit-learn's definition: thresholds are the distinct scores, highest first;
 * tied scores enter together. Higher score = more likely positive. NaN when there is no positive.
 */
export function averagePrecisionScore(isPositive: readonly boolean[], scores: readonly number[]): number {
  if (isPositive.length !== scores.length) {
    throw new FairframeError('internal', `Average precision needs one score per item: ${isPositive.length} truth values, ${scores.length} scores.`);
  }
  if (scores.some((score) => Number.isNaN(score))) {
    throw new FairframeError('internal', 'Average precision was given a NaN score; score every item with a number.');
  }
  const positives = isPositive.filter(Boolean).length;
  if (positives === 0) return Number.NaN;
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let truePositives = 0;
  let seen = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let position = 0; position < order.length; position++) {
    const index = order[position];
    seen++;
    if (isPositive[index]) truePositives++;
    const next = order[position + 1];
    // A threshold closes after the last item with this score.
    if (next !== undefined && scores[next] === scores[index]) continue;
    const recall = truePositives / positives;
    ap += (recall - previousRecall) * (truePositives / seen);
    previousRecall = recall;
  }
  return ap;
}

/**
 * AP of a ranked list of item ids against the set of true ids, ranks strictly ordered:
 * AP = (1 / |truth|) Σ_{n : item n is true} precision@n. True ids absent from the ranking count as never retrieved
 * (they add no recall). NaN when the truth set is empty.
 */
export function rankingAveragePrecision(ranking: readonly number[], truth: ReadonlySet<number> | readonly number[]): number {
  const truthSet = truth instanceof Set ? truth : new Set(truth as readonly number[]);
  if (truthSet.size === 0) return Number.NaN;
  const seenIds = new Set<number>();
  let hits = 0;
  let sum = 0;
  ranking.forEach((id, position) => {
    if (seenIds.has(id)) throw new FairframeError('internal', `Item ${id} appears twice in the ranking; rank each item once.`);
    seenIds.add(id);
    if (!truthSet.has(id)) return;
    hits++;
    sum += hits / (position + 1);
  });
  return sum / truthSet.size;
}
