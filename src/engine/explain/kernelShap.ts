// KernelSHAP on superpixels (Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017):
// Shapley values of the superpixels estimated by a weighted linear regression over coalitions, with the Shapley
// kernel as the weights and additivity Σφ = f(x) − f(∅) imposed as a constraint. Coalitions are chosen as the shap
// library's KernelExplainer does: whole coalition sizes are enumerated while the budget covers them (exact Shapley
// values when it covers them all), the rest are sampled by size from the kernel, each with its complement.
import { FairframeError } from '../errors';
import { mulberry32 } from '../metrics/seededRandom';
import type { ExplainImage, ExplainOptions, Heatmap, ModelRunner } from './explainTypes';
import { solveLinearSystem } from './lime';
import { classProbabilities, DEFAULT_EXPLAIN_SEED, resolveClass } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';
import { regionMask, regionValuesToMap, slicSuperpixels, type SlicOptions, type Superpixels } from './superpixels';

/** Options of `kernelShapMap`. */
export interface KernelShapOptions extends ExplainOptions {
  /** Coalitions evaluated (default 2M + 2048 for M superpixels, shap's default; at most 2^M − 2, which is exact). */
  samples?: number;
  segments?: Superpixels;
  superpixels?: SlicOptions;
  /** What absent superpixels become (default 'mean': the image's mean colour). f(∅) is the all-baseline image. */
  baseline?: PerturbationBaseline;
}

/** A KernelSHAP map plus the Shapley values. */
export interface KernelShapExplanation extends Heatmap {
  segments: Superpixels;
  /** φ of each superpixel; Σφ = fullValue − baseValue. */
  phi: Float64Array;
  /** f(∅): P(class) with every superpixel replaced by the baseline. */
  baseValue: number;
  /** f(x): P(class) on the image. */
  fullValue: number;
  /** True when every coalition was evaluated, so φ are the exact Shapley values. */
  exact: boolean;
}

/** Shapley kernel π(z) = (M − 1) / (C(M, |z|) · |z| · (M − |z|)) for 0 < |z| < M (Lundberg & Lee 2017, Theorem 2). */
export function shapleyKernelWeight(M: number, size: number): number {
  return (M - 1) / (binomial(M, size) * size * (M - size));
}

/** C(n, k) as a float. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - Math.min(k, n - k) + i)) / i;
  return result;
}

/** Coalitions (M bits each, 1 = present) and their regression weights, chosen as shap's KernelExplainer does. */
export function shapCoalitions(M: number, budget: number, random: () => number): { masks: Uint8Array[]; weights: number[]; exact: boolean } {
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  const sizes = Math.ceil((M - 1) / 2);
  const pairedSizes = Math.floor((M - 1) / 2);
  const weightVector = Array.from({ length: sizes }, (_, i) => ((M - 1) / ((i + 1) * (M - i - 1))) * (i + 1 <= pairedSizes ? 2 : 1));
  const total = weightVector.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) weightVector[i] /= total;
  let left = Math.min(budget, 2 ** M - 2);
  const remaining = [...weightVector];
  let fullSizes = 0;
  for (let size = 1; size <= sizes; size++) {
    const paired = size <= pairedSizes;
    const count = binomial(M, size) * (paired ? 2 : 1);
    if (!((left * remaining[size - 1]) / count >= 1 - 1e-8)) break;
    fullSizes++;
    left -= count;
    if (remaining[size - 1] < 1) {
      const divisor = 1 - remaining[size - 1];
      for (let i = 0; i < sizes; i++) remaining[i] /= divisor;
    }
    const w = weightVector[size - 1] / binomial(M, size) / (paired ? 2 : 1);
    forEachCombination(M, size, (members) => {
      const mask = new Uint8Array(M);
      for (const j of members) mask[j] = 1;
      masks.push(mask);
      weights.push(w);
      if (paired) {
        masks.push(mask.map((bit) => 1 - bit));
        weights.push(w);
      }
    });
  }
  const exact = fullSizes === sizes;
  if (!exact && left > 0) {
    const fixed = masks.length;
    const sampleWeights = weightVector.map((w, i) => (i < pairedSizes ? w / 2 : w)).slice(fullSizes);
    const sampleTotal = sampleWeights.reduce((a, b) => a + b, 0);
    const seen = new Map<string, number>();
    for (let draws = 0; left > 0 && draws < 4 * budget; draws++) {
      // A coalition size from the remaining kernel mass, then a uniform subset of that size.
      let u = random() * sampleTotal;
      let index = 0;
      while (index < sampleWeights.length - 1 && u >= sampleWeights[index]) u -= sampleWeights[index++];
      const size = index + fullSizes + 1;
      const order = Array.from({ length: M }, (_, j) => j);
      for (let j = 0; j < size; j++) {
        const pick = j + Math.floor(random() * (M - j));
        [order[j], order[pick]] = [order[pick], order[j]];
      }
      const mask = new Uint8Array(M);
      for (let j = 0; j < size; j++) mask[order[j]] = 1;
      const key = mask.join('');
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, masks.length);
        masks.push(mask);
        weights.push(1);
        left--;
      } else {
        weights[at] += 1;
      }
      if (left > 0 && size <= pairedSizes) {
        if (at === undefined) {
          masks.push(mask.map((bit) => 1 - bit));
          weights.push(1);
          left--;
        } else {
          weights[at + 1] += 1;
        }
      }
    }
    // The sampled coalitions share the kernel mass the enumerated sizes left.
    const massLeft = weightVector.slice(fullSizes).reduce((a, b) => a + b, 0);
    let sampled = 0;
    for (let i = fixed; i < weights.length; i++) sampled += weights[i];
    for (let i = fixed; i < weights.length; i++) weights[i] *= massLeft / sampled;
  }
  return { masks, weights, exact };
}

function forEachCombination(n: number, k: number, visit: (members: number[]) => void): void {
  const members = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    visit(members);
    let i = k - 1;
    while (i >= 0 && members[i] === n - k + i) i--;
    if (i < 0) return;
    members[i]++;
    for (let j = i + 1; j < k; j++) members[j] = members[j - 1] + 1;
  }
}

/**
 * Constrained weighted least squares of shap's KernelExplainer: with Δ = f(x) − f(∅), eliminate φ_M = Δ − Σ_{j<M} φ_j,
 * regress y − f(∅) − z_M Δ on (z_j − z_M)_{j<M} with the kernel weights (no intercept), so Σφ = Δ holds exactly.
 */
export function solveShapley(masks: Uint8Array[], values: ArrayLike<number>, weights: ArrayLike<number>, baseValue: number, fullValue: number, M: number): Float64Array {
  const delta = fullValue - baseValue;
  const phi = new Float64Array(M);
  if (M === 1) {
    phi[0] = delta;
    return phi;
  }
  const n = masks.length;
  const k = M - 1;
  const gram = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  const row = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const z = masks[r];
    const last = z[M - 1];
    for (let j = 0; j < k; j++) row[j] = z[j] - last;
    const target = values[r] - baseValue - last * delta;
    const w = weights[r];
    for (let i = 0; i < k; i++) {
      if (row[i] === 0) continue;
      rhs[i] += w * row[i] * target;
      for (let j = 0; j < k; j++) gram[i * k + j] += w * row[i] * row[j];
    }
  }
  const solved = solveLinearSystem(gram, rhs, k);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    phi[j] = solved[j];
    sum += solved[j];
  }
  phi[M - 1] = delta - sum;
  return phi;
}

/** KernelSHAP attribution of each superpixel, spread over its pixels. Cost: 2 + (number of coalitions) model calls. */
export async function kernelShapMap(runner: ModelRunner, image: ExplainImage, options: KernelShapOptions = {}): Promise<KernelShapExplanation> {
  const seed = options.seed ?? DEFAULT_EXPLAIN_SEED;
  const baseline = options.baseline ?? 'mean';
  const callsBefore = runner.calls;
  const { classIndex, probs } = await resolveClass(runner, image, options.classIndex, options.signal);
  const segments = options.segments ?? slicSuperpixels(image, options.superpixels);
  if (segments.width !== image.width || segments.height !== image.height) {
    throw new FairframeError('bad-config', `The segmentation is ${segments.width}×${segments.height} but the image is ${image.width}×${image.height}.`);
  }
  const M = segments.count;
  const budget = Math.floor(options.samples ?? 2 * M + 2048);
  if (!(budget >= 1)) throw new FairframeError('bad-config', `KernelSHAP needs samples ≥ 1 (got ${options.samples}).`);
  const perturber = await createPerturber(image, runner.spec, baseline);
  const [baseProbs] = await runner.predict([perturber.baselineInput], options.signal);
  const baseValue = baseProbs[classIndex];
  const fullValue = probs[classIndex];
  const { masks, weights, exact } = M > 1 ? shapCoalitions(M, budget, mulberry32(seed)) : { masks: [], weights: [], exact: true };
  const values = await classProbabilities(runner, masks.length, (index) => perturber.blend(regionMask(segments, masks[index])), classIndex, options.signal);
  const phi = solveShapley(masks, values, weights, baseValue, fullValue, M);
  return {
    method: 'shap',
    classIndex,
    width: image.width,
    height: image.height,
    data: regionValuesToMap(segments, phi),
    params: { samples: masks.length, segments: M, seed, baseline: baselineName(baseline) },
    modelCalls: runner.calls - callsBefore,
    note: `${exact ? 'Exact Shapley values' : 'Sampled KernelSHAP'} over ${M} superpixels; f(x) = ${fullValue.toFixed(4)}, f(∅) = ${baseValue.toFixed(4)}`,
    segments,
    phi,
    baseValue,
    fullValue,
    exact,
  };
}
