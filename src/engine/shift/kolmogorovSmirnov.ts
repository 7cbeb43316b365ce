// Two-sample Kolmogorov–Smirnov test: D = sup_x |F_ref(x) − F_target(x)| and its two-sided p-value.

/**
 * Largest n1·n2 for which the p-value is exact (its cost is O(n1·n2)). scipy.stats.ks_2samp's method='auto' is exact up to
 * max(n1, n2) = 10,000; this is stricter (e.g. 3,162 × 3,162), because a shift comparison runs dozens of tests. Beyond,
 * the asymptotic p, which at such sizes differs from the exact one far below any significance level that matters.
 */
export const KS_EXACT_MAX_PRODUCT = 10_000_000;

export interface KolmogorovSmirnovTest {
  /** D = sup |F1 − F2| over the pooled values (ties handled as scipy does: both ECDFs evaluated after all equal values). */
  statistic: number;
  pValue: number;
  /** 'exact' (n1·n2 ≤ KS_EXACT_MAX_PRODUCT): P(D ≥ d) by lattice-path counting, as scipy.stats.ks_2samp(method='exact'); 'asymptotic': Kolmogorov's limit Q(√(n1·n2/(n1+n2))·D), scipy.stats.kstwobign.sf. */
  method: 'exact' | 'asymptotic';
  n1: number;
  n2: number;
}

/**
 * Two-sided two-sample KS test (Smirnov 1939). The exact p-value counts the monotone lattice paths from (0,0) to (n1,n2)
 * that stay strictly inside |i/n1 − j/n2| < D (Hodges 1957), as a probability walk so nothing overflows: O(n1·n2).
 * Like scipy's exact method it treats the data as continuous (ties do not change the null distribution used).
 * Undefined (NaN) when a sample is empty; non-finite values must be removed by the caller.
 */
export function kolmogorovSmirnov(reference: ArrayLike<number>, target: ArrayLike<number>): KolmogorovSmirnovTest {
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(target).sort();
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'exact', n1, n2 };
  // D·n1·n2 as an integer: |i·n2 − j·n1| at every distinct pooled value.
  let i = 0;
  let j = 0;
  let h = 0;
  while (i < n1 || j < n2) {
    const value = i < n1 && (j >= n2 || a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] === value) i++;
    while (j < n2 && b[j] === value) j++;
    h = Math.max(h, Math.abs(i * n2 - j * n1));
  }
  const statistic = h / (n1 * n2);
  if (n1 * n2 <= KS_EXACT_MAX_PRODUCT) return { statistic, pValue: exactPValue(n1, n2, h), method: 'exact', n1, n2 };
  const en = (n1 * n2) / (n1 + n2);
  return { statistic, pValue: kolmogorovSurvival(Math.sqrt(en) * statistic), method: 'asymptotic', n1, n2 };
}

/** P(D ≥ h/(n1·n2)) under H0: 1 − P(a uniformly random lattice path keeps |i·n2 − j·n1| < h everywhere). */
function exactPValue(n1: number, n2: number, h: number): number {
  if (h <= 0) return 1;
  // row[j] = probability that the random path reaches (i, j) having stayed inside. A step from (i, j) goes to
  // (i+1, j) with probability (n1 − i)/(n1 + n2 − i − j), else to (i, j+1).
  let row = new Float64Array(n2 + 1);
  let next = new Float64Array(n2 + 1);
  row[0] = 1;
  for (let i = 0; i <= n1; i++) {
    next.fill(0);
    for (let j = 0; j <= n2; j++) {
      const p = row[j];
      if (p === 0) continue;
      const left = n1 + n2 - i - j;
      if (left === 0) continue;
      if (i < n1 && Math.abs((i + 1) * n2 - j * n1) < h) next[j] += (p * (n1 - i)) / left;
      if (j < n2 && Math.abs(i * n2 - (j + 1) * n1) < h) row[j + 1] += (p * (n2 - j)) / left;
    }
    if (i === n1) break;
    [row, next] = [next, row];
  }
  const inside = row[n2];
  return Math.min(1, Math.max(0, 1 - inside));
}

/** Kolmogorov's limiting survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²} (Kolmogorov 1933; scipy.stats.kstwobign.sf). */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 0.2) return 1;
  if (lambda < 1) {
    // The alternating series converges slowly for small λ: use the Jacobi theta form 1 − (√(2π)/λ) Σ e^{−(2k−1)²π²/(8λ²)}.
    let sum = 0;
    for (let k = 1; k <= 20; k++) sum += Math.exp(-((2 * k - 1) ** 2) * Math.PI ** 2 / (8 * lambda * lambda));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
