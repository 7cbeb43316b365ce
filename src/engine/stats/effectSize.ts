// Effect sizes for comparing two samples.

/** Arithmetic mean; NaN for an empty sample. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sum of squared deviations from the mean, Σ(x − x̄)² (two-pass, for accuracy). */
function sumOfSquares(values: readonly number[], centre: number): number {
  let sum = 0;
  let correction = 0;
  for (const value of values) {
    const deviation = value - centre;
    sum += deviation * deviation;
    correction += deviation;
  }
  // Corrected two-pass algorithm (Chan, Golub & LeVeque 1983): removes the rounding error of the mean.
  return sum - (correction * correction) / values.length;
}

/**
 * Cohen's d with pooled SD: d = (x̄_a − x̄_b) / s_p, s_p = √(((n_a−1)s_a² + (n_b−1)s_b²) / (n_a+n_b−2))
 * (Cohen 1988, Statistical Power Analysis, §2.2). Positive when `a` has the larger mean.
 * NaN when either sample is empty or n_a + n_b < 3; when s_p = 0 it is 0 for equal means, ±Infinity otherwise.
 */
export function standardisedMeanDifference(a: number[], b: number[]): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0 || na + nb < 3) return Number.NaN;
  const meanA = mean(a);
  const meanB = mean(b);
  const pooledVariance = (Math.max(0, sumOfSquares(a, meanA)) + Math.max(0, sumOfSquares(b, meanB))) / (na + nb - 2);
  const difference = meanA - meanB;
  const pooledSd = Math.sqrt(pooledVariance);
  // A pooled SD (or difference) within rounding noise of the values' magnitude counts as zero.
  const scale = Math.max(Math.abs(meanA), Math.abs(meanB));
  if (pooledSd <= scale * 4 * Number.EPSILON) {
    if (Math.abs(difference) <= scale * 4 * Number.EPSILON) return 0;
    return difference > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  return difference / pooledSd;
}
