// Paired, group-stratified bootstrap of accuracy under several conditions (clean, each corruption and severity, each
// attack strength) measured on the same images: each replicate resamples the images of every group within the group at
// its own size (as the model audit's bootstrap does) and scores every condition on that same resample, so the drop
// from clean and the difference-in-differences between groups keep the pairing of clean and corrupted predictions.
// Percentile intervals (Efron & Tibshirani 1993, ch. 13).
import { throwIfAborted } from '../errors';
import { percentileInterval, type ConfidenceInterval, type PairInterval } from '../metrics/bootstrap';
import { mulberry32 } from '../metrics/seededRandom';

/** Options of the paired bootstrap. */
export interface PairedBootstrapOptions {
  replicates: number;
  level: number;
  seed: number;
  signal?: AbortSignal;
}

/** A condition whose accuracy is the mean of other conditions' accuracies (e.g. a corruption over its 5 severities). */
export interface DerivedCondition {
  members: number[];
}

/** Accuracy and drop of one group under one condition. */
export interface GroupConditionFigures {
  /** accuracy = correct / images of the group under the condition. */
  accuracy: ConfidenceInterval;
  /** drop = clean accuracy − accuracy under the condition (positive: worse). */
  drop: ConfidenceInterval;
}

/** Everything the bootstrap gives for one condition. */
export interface ConditionFigures {
  /** Over all images (the union of the groups). */
  overall: GroupConditionFigures;
  byGroup: GroupConditionFigures[];
  /**
   * Difference-in-differences: drop(higher) − drop(lower) for the compared groups with the largest and the smallest
   * drop in the estimate; its interval may cover 0. Undefined with fewer than two compared groups.
   */
  dropDifference: PairInterval;
}

/**
 * Scores every condition (row c of `correct`: 1 where image i is classified correctly under condition c; row 0 is
 * clean) overall and per group (`groupOf[i]` indexes `groups`), with paired bootstrap intervals. Conditions listed in
 * `derived` follow the rows, in order. `compared[k]` says whether group k may be one of the DiD pair.
 */
export function pairedConditionBootstrap(
  correct: readonly Uint8Array[],
  groupOf: Int32Array,
  groups: readonly string[],
  compared: readonly boolean[],
  derived: readonly DerivedCondition[],
  options: PairedBootstrapOptions,
): ConditionFigures[] {
  const n = groupOf.length;
  const rows = correct.length;
  const conditions = rows + derived.length;
  const g = groups.length;
  const members: number[][] = groups.map(() => []);
  for (let i = 0; i < n; i++) members[groupOf[i]].push(i);
  const sizes = members.map((list) => list.length);

  // Accuracy by (condition, group) from per-row correct counts, the derived conditions averaged from their members.
  const accuracies = (counts: Float64Array, out: Float64Array, overall: Float64Array): void => {
    for (let c = 0; c < rows; c++) {
      let total = 0;
      for (let k = 0; k < g; k++) {
        out[c * g + k] = sizes[k] > 0 ? counts[c * g + k] / sizes[k] : Number.NaN;
        total += counts[c * g + k];
      }
      overall[c] = n > 0 ? total / n : Number.NaN;
    }
    derived.forEach((condition, d) => {
      const c = rows + d;
      for (let k = 0; k < g; k++) out[c * g + k] = condition.members.reduce((sum, m) => sum + out[m * g + k], 0) / condition.members.length;
      overall[c] = condition.members.reduce((sum, m) => sum + overall[m], 0) / condition.members.length;
    });
  };

  // The estimate.
  const counts = new Float64Array(rows * g);
  for (let c = 0; c < rows; c++) for (let i = 0; i < n; i++) counts[c * g + groupOf[i]] += correct[c][i];
  const estimate = new Float64Array(conditions * g);
  const estimateOverall = new Float64Array(conditions);
  accuracies(counts, estimate, estimateOverall);
  // The DiD pair of each condition: the compared groups with the largest and the smallest drop in the estimate.
  const pairs = Array.from({ length: conditions }, (_, c) => {
    let high = -1;
    let low = -1;
    for (let k = 0; k < g; k++) {
      if (!compared[k]) continue;
      const drop = estimate[k] - estimate[c * g + k];
      if (!Number.isFinite(drop)) continue;
      if (high < 0 || drop > estimate[high] - estimate[c * g + high]) high = k;
      if (low < 0 || drop < estimate[low] - estimate[c * g + low]) low = k;
    }
    // Every compared group drops alike: still compare two different groups (the first and the last compared).
    if (high >= 0 && high === low) {
      const comparedGroups = compared.flatMap((yes, k) => (yes ? [k] : []));
      if (comparedGroups.length >= 2) [low, high] = [comparedGroups[0], comparedGroups[comparedGroups.length - 1]];
    }
    return high >= 0 && low >= 0 && high !== low ? { high, low } : undefined;
  });

  // The replicates.
  const B = options.replicates;
  const accuracyDraws = Array.from({ length: conditions * g }, () => new Float64Array(B));
  const overallDraws = Array.from({ length: conditions }, () => new Float64Array(B));
  const dropDraws = Array.from({ length: conditions * g }, () => new Float64Array(B));
  const overallDropDraws = Array.from({ length: conditions }, () => new Float64Array(B));
  const didDraws = Array.from({ length: conditions }, () => new Float64Array(B));
  const random = mulberry32(options.seed);
  const replicateCounts = new Float64Array(rows * g);
  const values = new Float64Array(conditions * g);
  const overall = new Float64Array(conditions);
  for (let b = 0; b < B; b++) {
    throwIfAborted(options.signal);
    replicateCounts.fill(0);
    for (let k = 0; k < g; k++) {
      const list = members[k];
      const size = list.length;
      for (let j = 0; j < size; j++) {
        const i = list[Math.floor(random() * size)];
        for (let c = 0; c < rows; c++) replicateCounts[c * g + k] += correct[c][i];
      }
    }
    accuracies(replicateCounts, values, overall);
    for (let c = 0; c < conditions; c++) {
      for (let k = 0; k < g; k++) {
        accuracyDraws[c * g + k][b] = values[c * g + k];
        dropDraws[c * g + k][b] = values[k] - values[c * g + k];
      }
      overallDraws[c][b] = overall[c];
      overallDropDraws[c][b] = overall[0] - overall[c];
      const pair = pairs[c];
      didDraws[c][b] = pair ? (values[pair.high] - values[c * g + pair.high]) - (values[pair.low] - values[c * g + pair.low]) : Number.NaN;
    }
  }

  const level = options.level;
  return Array.from({ length: conditions }, (_, c) => {
    const pair = pairs[c];
    const dropOf = (k: number): number => estimate[k] - estimate[c * g + k];
    return {
      overall: {
        accuracy: percentileInterval(estimateOverall[c], overallDraws[c], level),
        drop: percentileInterval(estimateOverall[0] - estimateOverall[c], overallDropDraws[c], level),
      },
      byGroup: groups.map((_, k) => ({
        accuracy: percentileInterval(estimate[c * g + k], accuracyDraws[c * g + k], level),
        drop: percentileInterval(dropOf(k), dropDraws[c * g + k], level),
      })),
      dropDifference: pair
        ? { ...percentileInterval(dropOf(pair.high) - dropOf(pair.low), didDraws[c], level), higherGroup: groups[pair.high], lowerGroup: groups[pair.low] }
        : percentileInterval(Number.NaN, didDraws[c], level),
    };
  });
}
