// The chi-square distribution and the chi-square goodness-of-fit test.
import { logRegularisedGammaQ, regularisedGammaP } from './gamma';

/** Chi-square survival function P(X ≥ x), X ~ χ²(dof): Q(dof/2, x/2) (Abramowitz & Stegun 26.4.19); NaN for dof ≤ 0. */
export function chiSquareSf(x: number, dof: number): number {
  return Math.exp(chiSquareLogSf(x, dof));
}

/** ln P(X ≥ x) for X ~ χ²(dof); stays finite where the p-value itself underflows. */
export function chiSquareLogSf(x: number, dof: number): number {
  if (!(dof > 0)) return Number.NaN;
  return logRegularisedGammaQ(dof / 2, x / 2);
}

/** Chi-square distribution function P(X ≤ x) = P(dof/2, x/2). */
export function chiSquareCdf(x: number, dof: number): number {
  if (!(dof > 0)) return Number.NaN;
  return regularisedGammaP(dof / 2, x / 2);
}

/** Result of a chi-square goodness-of-fit test. */
export interface GoodnessOfFit {
  chi2: number;
  dof: number;
  pValue: number;
  /** log10 of the p-value, finite even when the p-value underflows to 0. */
  log10PValue: number;
  n: number;
  expected: number[];
}

/**
 * Pearson goodness of fit: χ² = Σ (O_i − E_i)² / E_i with E_i = n·s_i / Σs, dof = k − 1
 * (Pearson 1900; scipy.stats.chisquare(f_obs, f_exp)). Undefined (undefined return) for k < 2, n = 0 or a zero expected share.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expectedShares: readonly number[]): GoodnessOfFit | undefined {
  const k = observed.length;
  if (k < 2 || expectedShares.length !== k) return undefined;
  const n = observed.reduce((sum, value) => sum + value, 0);
  const shareTotal = expectedShares.reduce((sum, value) => sum + value, 0);
  if (!(n > 0) || !(shareTotal > 0) || expectedShares.some((share) => !(share > 0))) return undefined;
  const expected = expectedShares.map((share) => (n * share) / shareTotal);
  let chi2 = 0;
  for (let i = 0; i < k; i++) chi2 += (observed[i] - expected[i]) ** 2 / expected[i];
  const dof = k - 1;
  const logP = chiSquareLogSf(chi2, dof);
  return { chi2, dof, pValue: Math.exp(logP), log10PValue: logP / Math.LN10, n, expected };
}
