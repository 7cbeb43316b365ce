// LIME on superpixels (Ribeiro, Singh & Guestrin, "Why Should I Trust You?", KDD 2016), as its image explainer does
// it: random on/off coalitions of superpixels, weighted by an exponential kernel on the cosine distance to the
// original, and a weighted ridge regression whose coefficients are the superpixels' attributions.
import { FairframeError } from '../errors';
import { mulberry32 } from '../metrics/seededRandom';
import type { ExplainImage, ExplainOptions, Heatmap, ModelRunner } from './explainTypes';
import { classProbabilities, DEFAULT_EXPLAIN_SEED, resolveClass } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';
import { regionMask, regionValuesToMap, slicSuperpixels, type SlicOptions, type Superpixels } from './superpixels';

/** Options of `limeMap`. */
export interface LimeOptions extends ExplainOptions {
  /** Coalitions sampled, the original included (default 1000, as LIME's num_samples); the cost in model calls. */
  samples?: number;
  /** The regions to switch on and off; default SLIC with `superpixels`. */
  segments?: Superpixels;
  superpixels?: SlicOptions;
  /** Kernel width on the cosine distance (default 0.25, LIME's image explainer). */
  kernelWidth?: number;
  /** Ridge penalty α (default 1, scikit-learn's Ridge default that LIME uses). */
  ridge?: number;
  /** What switched-off superpixels become (default 'mean': the image's mean colour). */
  baseline?: PerturbationBaseline;
}

/** A LIME map plus the fitted surrogate. */
export interface LimeExplanation extends Heatmap {
  segments: Superpixels;
  /** Ridge coefficient of each superpixel. */
  weights: Float64Array;
  intercept: number;
  /** Weighted R² of the surrogate on the samples. */
  score: number;
}

/**
 * Solves A x = b for a dense n × n system by Gaussian elimination with partial pivoting (float64). A pivot below
 * 1e-12 · max|A| marks a direction the data do not determine; its unknown is set to 0.
 */
export function solveLinearSystem(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  const singular = new Uint8Array(n);
  let scale = 0;
  for (const value of a) scale = Math.max(scale, Math.abs(value));
  const tolerance = 1e-12 * (scale || 1);
  const pivotRow = new Int32Array(n).fill(-1);
  const used = new Uint8Array(n);
  for (let column = 0; column < n; column++) {
    let best = -1;
    for (let row = 0; row < n; row++) if (!used[row] && (best < 0 || Math.abs(a[row * n + column]) > Math.abs(a[best * n + column]))) best = row;
    if (best < 0 || Math.abs(a[best * n + column]) <= tolerance) {
      singular[column] = 1;
      continue;
    }
    used[best] = 1;
    pivotRow[column] = best;
    const pivot = a[best * n + column];
    for (let row = 0; row < n; row++) {
      if (row === best) continue;
      const factor = a[row * n + column] / pivot;
      if (factor === 0) continue;
      for (let k = column; k < n; k++) a[row * n + k] -= factor * a[best * n + k];
      b[row] -= factor * b[best];
    }
  }
  const x = new Float64Array(n);
  for (let column = 0; column < n; column++) if (!singular[column]) x[column] = b[pivotRow[column]] / a[pivotRow[column] * n + column];
  return x;
}

/**
 * Weighted ridge regression with an intercept, as scikit-learn's Ridge(alpha, fit_intercept=True) with sample_weight:
 * centre X and y on their weighted means, solve (Xcᵀ W Xc + α I) β = Xcᵀ W yc, intercept = ȳ_w − x̄_wᵀ β.
 * `x` is n rows × k columns, row-major.
 */
export function weightedRidge(x: ArrayLike<number>, y: ArrayLike<number>, weights: ArrayLike<number>, n: number, k: number, alpha: number): { coefficients: Float64Array; intercept: number; score: number } {
  let weightSum = 0;
  const xMean = new Float64Array(k);
  let yMean = 0;
  for (let r = 0; r < n; r++) {
    const w = weights[r];
    weightSum += w;
    yMean += w * y[r];
    for (let j = 0; j < k; j++) xMean[j] += w * x[r * k + j];
  }
  if (!(weightSum > 0)) throw new FairframeError('internal', 'Weighted ridge regression got no positive weights.');
  yMean /= weightSum;
  for (let j = 0; j < k; j++) xMean[j] /= weightSum;
  const gram = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  const row = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const w = weights[r];
    if (w === 0) continue;
    for (let j = 0; j < k; j++) row[j] = x[r * k + j] - xMean[j];
    const yc = y[r] - yMean;
    for (let i = 0; i < k; i++) {
      const wi = w * row[i];
      if (wi === 0) continue;
      rhs[i] += wi * yc;
      for (let j = i; j < k; j++) gram[i * k + j] += wi * row[j];
    }
  }
  for (let i = 0; i < k; i++) {
    gram[i * k + i] += alpha;
    for (let j = 0; j < i; j++) gram[i * k + j] = gram[j * k + i];
  }
  const coefficients = solveLinearSystem(gram, rhs, k);
  let intercept = yMean;
  for (let j = 0; j < k; j++) intercept -= xMean[j] * coefficients[j];
  let residual = 0;
  let total = 0;
  for (let r = 0; r < n; r++) {
    let fitted = intercept;
    for (let j = 0; j < k; j++) fitted += coefficients[j] * x[r * k + j];
    residual += weights[r] * (y[r] - fitted) ** 2;
    total += weights[r] * (y[r] - yMean) ** 2;
  }
  return { coefficients, intercept, score: total > 0 ? 1 - residual / total : 1 };
}

/** LIME's kernel on a coalition with `present` of `k` superpixels on: d = cosine distance to all-on = 1 − √(present/k), π = √(exp(−d² / width²)). */
export function limeKernel(present: number, k: number, kernelWidth: number): number {
  const distance = present === 0 ? 1 : 1 - Math.sqrt(present / k);
  return Math.sqrt(Math.exp(-(distance * distance) / (kernelWidth * kernelWidth)));
}

/** LIME attribution of each superpixel, spread over its pixels. Cost: `samples` model calls (the first is the original image). */
export async function limeMap(runner: ModelRunner, image: ExplainImage, options: LimeOptions = {}): Promise<LimeExplanation> {
  const samples = Math.floor(options.samples ?? 1000);
  const kernelWidth = options.kernelWidth ?? 0.25;
  const alpha = options.ridge ?? 1;
  const seed = options.seed ?? DEFAULT_EXPLAIN_SEED;
  const baseline = options.baseline ?? 'mean';
  if (!(samples >= 2) || !(kernelWidth > 0) || !(alpha >= 0)) {
    throw new FairframeError('bad-config', `LIME needs samples ≥ 2, kernelWidth > 0 and ridge ≥ 0 (got ${samples}, ${kernelWidth}, ${alpha}).`);
  }
  const callsBefore = runner.calls;
  const { classIndex, probs } = await resolveClass(runner, image, options.classIndex, options.signal);
  const segments = options.segments ?? slicSuperpixels(image, options.superpixels);
  if (segments.width !== image.width || segments.height !== image.height) {
    throw new FairframeError('bad-config', `The segmentation is ${segments.width}×${segments.height} but the image is ${image.width}×${image.height}.`);
  }
  const K = segments.count;
  const random = mulberry32(seed);
  const z = new Uint8Array(samples * K);
  z.fill(1, 0, K); // the original image first, as LIME does
  for (let i = K; i < z.length; i++) z[i] = random() < 0.5 ? 1 : 0;
  const perturber = await createPerturber(image, runner.spec, baseline);
  const rest = await classProbabilities(runner, samples - 1, (index) => perturber.blend(regionMask(segments, z.subarray((index + 1) * K, (index + 2) * K))), classIndex, options.signal);
  const y = new Float64Array(samples);
  y[0] = probs[classIndex];
  y.set(rest, 1);
  const weights = new Float64Array(samples);
  for (let r = 0; r < samples; r++) {
    let present = 0;
    for (let j = 0; j < K; j++) present += z[r * K + j];
    weights[r] = limeKernel(present, K, kernelWidth);
  }
  const fit = weightedRidge(z, y, weights, samples, K, alpha);
  return {
    method: 'lime',
    classIndex,
    width: image.width,
    height: image.height,
    data: regionValuesToMap(segments, fit.coefficients),
    params: { samples, segments: K, kernelWidth, ridge: alpha, seed, baseline: baselineName(baseline) },
    modelCalls: runner.calls - callsBefore,
    note: `Surrogate weighted R² ${fit.score.toFixed(3)} over ${K} superpixels`,
    segments,
    weights: fit.coefficients,
    intercept: fit.intercept,
    score: fit.score,
  };
}
