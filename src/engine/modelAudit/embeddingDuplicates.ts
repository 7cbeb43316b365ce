// Near duplicates by model embedding: pairs with cosine ≥ threshold, of which those with different labels or in
// different splits are reported. Pairs are not chained: a classifier's embedding puts many same-class images close
// together (MNIST: 133,878 pairs ≥ 0.9 among 10,000 test digits), so transitive clusters would swallow whole classes.
import { forEachCosinePair } from '../model/cosinePairs';

/** Flagged pairs kept in the result at most (the count is exact). */
const MAX_KEPT_PAIRS = 1000;

/**
 * Share of all pairs above which the embedding is taken not to tell images apart: real duplicates are a tiny share of
 * pairs (1% duplicated images among n give ~n/100 of n²/2 pairs), while a classifier whose features collapse by class
 * puts whole classes above any threshold (MNIST: 0.27% of pairs ≥ 0.9; the demo CNN: 24%).
 */
export const MAX_DUPLICATE_PAIR_SHARE = 0.001;

/** Embeddings compared at most (the search is quadratic). */
export const MAX_EMBEDDINGS = 50_000;

/** One flagged pair, by audited-record index. */
export interface FlaggedPair {
  first: number;
  second: number;
  similarity: number;
  conflictingLabels: boolean;
  crossSplit: boolean;
}

/** What the embedding search found. */
export interface EmbeddingDuplicateSearch {
  threshold: number;
  /** Pairs at or above the threshold (counted until the search stopped). */
  pairs: number;
  /** False when more than MAX_DUPLICATE_PAIR_SHARE of all pairs match: nothing is then reported. */
  discriminative: boolean;
  /** Set when the search was not run or stopped early, with the reason. */
  skipped?: string;
  /** Pairs with different labels or splits (exact count). */
  flagged: number;
  /** The flagged pairs, most similar first, at most MAX_KEPT_PAIRS. */
  kept: FlaggedPair[];
  comparisons: number;
  zeroVectors: number;
}

/** Finds pairs of near-identical embeddings and flags those that disagree in label or split. */
export async function findEmbeddingDuplicatePairs(
  embeddings: readonly ArrayLike<number>[],
  labels: readonly string[],
  splits: readonly (string | undefined)[],
  threshold: number,
  signal?: AbortSignal,
): Promise<EmbeddingDuplicateSearch> {
  const n = embeddings.length;
  if (n > MAX_EMBEDDINGS) {
    return { threshold, pairs: 0, discriminative: true, flagged: 0, kept: [], comparisons: 0, zeroVectors: 0, skipped: `more than ${MAX_EMBEDDINGS} images (the search is quadratic)` };
  }
  const limit = Math.max(1, Math.floor((MAX_DUPLICATE_PAIR_SHARE * n * (n - 1)) / 2));
  let pairs = 0;
  let flagged = 0;
  let kept: FlaggedPair[] = [];
  const { comparisons, zeroVectors, stopped } = await forEachCosinePair(embeddings, threshold, ({ first, second, similarity }) => {
    pairs++;
    if (pairs > limit) return false;
    const conflictingLabels = labels[first] !== labels[second];
    const crossSplit = splits[first] !== splits[second];
    if (!conflictingLabels && !crossSplit) return true;
    flagged++;
    kept.push({ first, second, similarity, conflictingLabels, crossSplit });
    if (kept.length > 4 * MAX_KEPT_PAIRS) kept = mostSimilar(kept);
    return true;
  }, { signal });
  if (stopped) {
    return {
      threshold, pairs, discriminative: false, flagged: 0, kept: [], comparisons, zeroVectors: zeroVectors.length,
      skipped: `more than ${limit} pairs (${(100 * MAX_DUPLICATE_PAIR_SHARE).toFixed(1)}% of all pairs) reach cosine ${threshold}: the embedding does not tell individual images apart at this threshold`,
    };
  }
  return { threshold, pairs, discriminative: true, flagged, kept: mostSimilar(kept), comparisons, zeroVectors: zeroVectors.length };
}

function mostSimilar(pairs: FlaggedPair[]): FlaggedPair[] {
  return pairs.sort((a, b) => b.similarity - a.similarity || a.first - b.first || a.second - b.second).slice(0, MAX_KEPT_PAIRS);
}
