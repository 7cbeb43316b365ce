// Adjusted p-values for a family of tests.

/**
 * Benjamini–Hochberg adjusted p-values (Benjamini & Hochberg 1995; as R's p.adjust(method = 'BH')):
 * p̃_(k) = min_{j ≥ k} min(1, m·p_(j)/j). Controls the false discovery rate at α when p̃ < α is called significant.
 * NaN p-values are left out of the family and stay NaN.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).filter(({ p }) => Number.isFinite(p)).sort((x, y) => x.p - y.p);
  const m = order.length;
  const adjusted = pValues.map(() => Number.NaN);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (m * order[k].p) / (k + 1));
    adjusted[order[k].index] = Math.min(1, running);
  }
  return adjusted;
}

/**
 * Holm's step-down adjusted p-values (Holm 1979; R's p.adjust(method = 'holm')): p̃_(k) = max_{j ≤ k} min(1, (m − j + 1)·p_(j)).
 * Controls the family-wise error rate. NaN p-values are left out and stay NaN.
 */
export function holm(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).filter(({ p }) => Number.isFinite(p)).sort((x, y) => x.p - y.p);
  const m = order.length;
  const adjusted = pValues.map(() => Number.NaN);
  let running = 0;
  for (let k = 0; k < m; k++) {
    running = Math.max(running, Math.min(1, (m - k) * order[k].p));
    adjusted[order[k].index] = running;
  }
  return adjusted;
}
