// Population stability index between a reference and a target sample of one numeric property.

/** Bins of the PSI: deciles of the reference. */
export const PSI_BINS = 10;
/** Share given to an empty bin so the logarithm stays finite. */
export const PSI_EPSILON = 1e-4;

export interface PopulationStability {
  psi: number;
  /** Inner bin edges: the reference's 10%, …, 90% quantiles (numpy.quantile, linear). Equal edges leave empty bins. */
  edges: number[];
  referenceShares: number[];
  targetShares: number[];
}

/** The p-quantile of ascending values with linear interpolation (numpy.quantile's default). */
function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

/** Bin index of x: the number of edges ≤ x (numpy.searchsorted(edges, x, side='right')). */
function binOf(edges: readonly number[], x: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (edges[mid] <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * PSI = Σ_b (t_b − r_b) · ln(t_b / r_b) over the reference's decile bins (Yurdakul 2018; the credit-scoring convention:
 * < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift). r_b, t_b are bin shares, a share of 0 replaced by ε = 1e-4.
 * NaN when a sample is empty.
 */
export function populationStabilityIndex(reference: ArrayLike<number>, target: ArrayLike<number>): PopulationStability {
  const sorted = Float64Array.from(reference).sort();
  if (sorted.length === 0 || target.length === 0) return { psi: Number.NaN, edges: [], referenceShares: [], targetShares: [] };
  const edges: number[] = [];
  for (let k = 1; k < PSI_BINS; k++) edges.push(quantileSorted(sorted, k / PSI_BINS));
  const shares = (values: ArrayLike<number>): number[] => {
    const counts = new Array<number>(PSI_BINS).fill(0);
    for (let i = 0; i < values.length; i++) counts[binOf(edges, values[i])]++;
    return counts.map((count) => count / values.length);
  };
  const referenceShares = shares(reference);
  const targetShares = shares(target);
  let psi = 0;
  for (let k = 0; k < PSI_BINS; k++) {
    const r = Math.max(referenceShares[k], PSI_EPSILON);
    const t = Math.max(targetShares[k], PSI_EPSILON);
    psi += (t - r) * Math.log(t / r);
  }
  return { psi, edges, referenceShares, targetShares };
}
