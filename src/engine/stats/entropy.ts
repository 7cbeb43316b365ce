// Shannon entropy of a categorical distribution given by counts.

/** Shannon entropy H = −Σ p_i·log(p_i), p_i = c_i / Σc, in nats by default (Shannon 1948); zero counts add nothing. */
export function shannonEntropy(counts: readonly number[], base: number = Math.E): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (!(total > 0)) return 0;
  let entropy = 0;
  for (const count of counts) {
    if (count > 0) {
      const p = count / total;
      entropy -= p * Math.log(p);
    }
  }
  return base === Math.E ? entropy : entropy / Math.log(base);
}

/**
 * Normalised entropy (Pielou's evenness) J = H / ln K over K categories (Pielou 1966): 1 = perfectly balanced,
 * near 0 = one category dominates. K counts every category given, empty ones included; 1 when K ≤ 1.
 */
export function normalisedEntropy(counts: readonly number[]): number {
  const k = counts.length;
  if (k <= 1) return 1;
  return shannonEntropy(counts) / Math.log(k);
}
