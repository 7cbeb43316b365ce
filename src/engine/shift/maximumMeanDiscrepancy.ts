// Maximum mean discrepancy between two samples of embeddings, with an RBF kernel and a permutation p-value.
import { mulberry32 } from '../metrics/seededRandom';
import { throwIfAborted } from '../errors';

/** Default number of permutations of the MMD test. */
export const DEFAULT_MMD_PERMUTATIONS = 500;

export interface MmdTest {
  /** Unbiased MMD²_u (Gretton et al. 2012, Lemma 6). */
  mmd2: number;
  /** Kernel bandwidth σ of k(x, y) = exp(−‖x − y‖² / (2σ²)): the median pairwise Euclidean distance of the pooled sample. */
  bandwidth: number;
  /** (1 + #{permutations with MMD²_u ≥ observed}) / (1 + permutations) (Phipson & Smyth 2010). */
  pValue: number;
  permutations: number;
  n1: number;
  n2: number;
}

export interface MmdOptions {
  /** Number of random permutations (seeded), or the permutations themselves: each a reordering of 0 … n1+n2−1 whose first n1 indices form the new first sample. */
  permutations?: number | readonly (readonly number[])[];
  seed?: number;
  signal?: AbortSignal;
}

/** Squared Euclidean distance. */
function squaredDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < x.length; k++) {
    const d = x[k] - y[k];
    sum += d * d;
  }
  return sum;
}

/** Median of the square roots of squared distances (the mean of the two middle ones for an even count, as numpy.median). */
function medianDistance(squared: Float64Array): number {
  const sorted = squared.slice().sort();
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  return m % 2 === 1 ? Math.sqrt(sorted[(m - 1) / 2]) : (Math.sqrt(sorted[m / 2 - 1]) + Math.sqrt(sorted[m / 2])) / 2;
}

/** Pairs over which the median distance is taken exactly; beyond, over this many seeded random pairs. */
export const MEDIAN_EXACT_PAIRS = 2_000_000;

/**
 * The median heuristic bandwidth: the median Euclidean distance over all pairs i < j of the pooled sample (Gretton et
 * al. 2012), exactly up to MEDIAN_EXACT_PAIRS pairs; beyond, the median over MEDIAN_EXACT_PAIRS pairs drawn at random
 * (seeded; its standard error is far below the spread of the distances).
 */
export function medianPairDistance(pooled: readonly ArrayLike<number>[], seed: number, signal?: AbortSignal): number {
  const n = pooled.length;
  const pairs = (n * (n - 1)) / 2;
  if (pairs <= MEDIAN_EXACT_PAIRS) {
    const squared = new Float64Array(pairs);
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (i % 256 === 0) throwIfAborted(signal);
      for (let j = i + 1; j < n; j++) squared[at++] = squaredDistance(pooled[i], pooled[j]);
    }
    return medianDistance(squared);
  }
  const random = mulberry32(seed ^ 0x9e3779b9);
  const squared = new Float64Array(MEDIAN_EXACT_PAIRS);
  for (let k = 0; k < MEDIAN_EXACT_PAIRS; k++) {
    const i = Math.floor(random() * n);
    let j = Math.floor(random() * (n - 1));
    if (j >= i) j++;
    squared[k] = squaredDistance(pooled[i], pooled[j]);
  }
  return medianDistance(squared);
}

/**
 * MMD² with the Gaussian kernel and the median heuristic bandwidth (Gretton et al. 2012, §8: σ = median pairwise distance
 * of the pooled sample, over all pairs i < j), and a permutation test. The pooled kernel matrix is computed once
 * (n(n−1)/2 float32) and each permutation re-sums it: O(n²) per permutation, so callers cap n (see shiftAnalysis).
 * MMD²_u = Σ_{i≠j} k(x_i,x_j)/(m(m−1)) + Σ_{i≠j} k(y_i,y_j)/(n(n−1)) − 2 Σ_{i,j} k(x_i,y_j)/(m·n).
 */
export function mmdPermutationTest(reference: readonly ArrayLike<number>[], target: readonly ArrayLike<number>[], options: MmdOptions = {}): MmdTest {
  const n1 = reference.length;
  const n2 = target.length;
  const n = n1 + n2;
  if (n1 < 2 || n2 < 2) return { mmd2: Number.NaN, bandwidth: Number.NaN, pValue: Number.NaN, permutations: 0, n1, n2 };
  const pooled = [...reference, ...target];
  // Upper triangle, row-major: pair (i, j), i < j.
  const pairs = (n * (n - 1)) / 2;
  const bandwidth = medianPairDistance(pooled, options.seed ?? 0x5eed, options.signal);
  const gamma = bandwidth > 0 ? 1 / (2 * bandwidth * bandwidth) : 0;
  const kernel = new Float32Array(pairs);
  let total = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (i % 256 === 0) throwIfAborted(options.signal);
    for (let j = i + 1; j < n; j++) {
      const value = Math.exp(-gamma * squaredDistance(pooled[i], pooled[j]));
      kernel[at++] = value;
      total += value;
    }
  }

  // rowTail[i] = Σ_{j>i} k(i, j). Row i adds its pairs with later items of its own sample: Σ_{j>i} k(i,j)·a_j to sxx
  // when i is in the first sample, rowTail[i] − that to syy otherwise (a multiply-add per pair, no branch).
  const rowTail = new Float64Array(n);
  for (let i = 0, k = 0; i < n; i++) {
    let sum = 0;
    for (let j = i + 1; j < n; j++, k++) sum += kernel[k];
    rowTail[i] = sum;
  }
  const statistic = (inFirst: Float32Array): number => {
    let sxx = 0;
    let syy = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      let rowX = 0;
      for (let j = i + 1; j < n; j++, k++) rowX += kernel[k] * inFirst[j];
      if (inFirst[i] === 1) sxx += rowX;
      else syy += rowTail[i] - rowX;
    }
    const sxy = total - sxx - syy;
    return (2 * sxx) / (n1 * (n1 - 1)) + (2 * syy) / (n2 * (n2 - 1)) - (2 * sxy) / (n1 * n2);
  };

  const observedAssignment = new Float32Array(n);
  observedAssignment.fill(1, 0, n1);
  const mmd2 = statistic(observedAssignment);

  const given = typeof options.permutations === 'object' ? options.permutations : undefined;
  const count = given ? given.length : typeof options.permutations === 'number' ? options.permutations : DEFAULT_MMD_PERMUTATIONS;
  const random = mulberry32(options.seed ?? 0x5eed);
  const order = Array.from({ length: n }, (_, i) => i);
  const assignment = new Float32Array(n);
  let atLeast = 0;
  for (let p = 0; p < count; p++) {
    throwIfAborted(options.signal);
    let permutation: readonly number[];
    if (given) permutation = given[p];
    else {
      // Fisher–Yates shuffle of the first n1 positions is enough to draw the first sample uniformly.
      for (let i = 0; i < n1; i++) {
        const j = i + Math.floor(random() * (n - i));
        [order[i], order[j]] = [order[j], order[i]];
      }
      permutation = order;
    }
    assignment.fill(0);
    for (let i = 0; i < n1; i++) assignment[permutation[i]] = 1;
    if (statistic(assignment) >= mmd2) atLeast++;
  }
  return { mmd2, bandwidth, pValue: (1 + atLeast) / (1 + count), permutations: count, n1, n2 };
}
