// Exact binomial and multinomial draws from a seeded uniform source, for bootstrapping counts instead of images.
import { logGamma } from '../stats/gamma';

/** Below this n·min(p, 1 − p) the binomial is drawn by inversion, above it by BTRS (the switch point Hörmann 1993 uses). */
const INVERSION_LIMIT = 10;

/**
 * A Binomial(n, p) draw, exact for the uniform source (n a non-negative integer, p in [0, 1]): inversion of the CDF
 * through the pmf recurrence f(x+1) = f(x)·(n − x)/(x + 1)·p/q when n·p < 10, otherwise Hörmann's transformed rejection
 * with squeeze BTRS (W. Hörmann 1993, "The generation of binomial random variates", J. Stat. Comput. Simul. 46, with the
 * log in the acceptance test that the paper's listing omits); p > ½ by symmetry, n − Binomial(n, 1 − p).
 */
export function binomialDraw(n: number, p: number, random: () => number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialDraw(n, 1 - p, random);
  return n * p < INVERSION_LIMIT ? binomialByInversion(n, p, random) : binomialByTransformedRejection(n, p, random);
}

function binomialByInversion(n: number, p: number, random: () => number): number {
  const ratio = p / (1 - p);
  const scaled = (n + 1) * ratio;
  const atZero = Math.exp(n * Math.log1p(-p)); // q^n ≥ e^(−10.6) here: no underflow
  for (;;) {
    let u = random();
    let mass = atZero;
    let x = 0;
    // Walk the CDF; rounding can leave the sum of masses a hair below u near 1, in which case draw again.
    while (u > mass && mass > 0 && x < n) {
      u -= mass;
      x++;
      mass *= scaled / x - ratio;
    }
    if (u <= mass) return x;
  }
}

function binomialByTransformedRejection(n: number, p: number, random: () => number): number {
  const spread = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spread;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spread;
  const logOdds = Math.log(p / (1 - p));
  const mode = Math.floor((n + 1) * p);
  const logModeTerm = logGamma(mode + 1) + logGamma(n - mode + 1);
  for (;;) {
    const u = random() - 0.5;
    const us = 0.5 - Math.abs(u);
    if (us === 0) continue;
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    const v = random();
    if (us >= 0.07 && v <= vr) return k;
    // Accept k with probability f(k)/f(mode) under the hat: ln(v·α/(a/us² + b)) ≤ ln f(k) − ln f(mode).
    const scaledV = (v * alpha) / (a / (us * us) + b);
    if (Math.log(scaledV) <= logModeTerm - logGamma(k + 1) - logGamma(n - k + 1) + (k - mode) * logOdds) return k;
  }
}

/**
 * A Multinomial(n; w / Σw) draw into `out` (same length as `weights`), by conditional binomials: the count of category i
 * is Binomial(n − drawn so far, w_i / Σ_{j≥i} w_j) (the method numpy's multinomial uses). Exact; O(categories) draws,
 * fewer when the heaviest categories come first (it stops once all n are placed). Weights are non-negative; integers
 * (counts) keep Σ_{j≥i} w_j exact.
 */
export function multinomialDraw(n: number, weights: ArrayLike<number>, out: { [index: number]: number; length: number }, random: () => number): void {
  let rest = 0;
  for (let i = 0; i < weights.length; i++) rest += weights[i];
  let remaining = n;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    const drawn = remaining === 0 || w === 0 ? 0 : w >= rest ? remaining : binomialDraw(remaining, w / rest, random);
    out[i] = drawn;
    remaining -= drawn;
    rest -= w;
  }
}
