// The gradient explanation methods on any ONNX graph: Grad-CAM and Grad-CAM++ at the dominating feature map, the input
// gradient as an API (for robustness attacks too), Integrated Gradients, SmoothGrad and gradient × input. Each opens
// its gradient graph once per model (GradientSessionCache) and runs it with ONNX Runtime.
import { FairframeError, throwIfAborted } from '../errors';
import type { ExplainImage, ExplainMethod, ExplainOptions, Heatmap } from '../explain/explainTypes';
import { upsampleBilinear } from '../explain/heatmapRender';
import { mulberry32 } from '../metrics/seededRandom';
import { ModelHandle } from '../model/modelHandle';
import type { ModelSpec } from '../model/modelTypes';
import { argmax } from '../model/softmax';
import { findCamTensor, type CamTensor } from './camLayer';
import { GradientModel, type DenseTensor } from './gradientModel';
import { relevanceRules, type RelevanceOptions } from './relevanceRules';

/**
 * Gradient graphs of one model, opened once and shared by every call (keyed by what they differentiate), built from
 * the model's handle: its parsed graph, opset-raised copy and measured shapes are reused by every graph.
 */
export class GradientSessionCache {
  private readonly entries = new Map<string, Promise<{ model: GradientModel; cam?: CamTensor }>>();
  readonly handle: ModelHandle;
  private readonly ownsHandle: boolean;

  constructor(source: Uint8Array | ModelHandle, readonly spec: ModelSpec & { explainLayer?: string }) {
    const { handle, owned } = ModelHandle.of(source);
    this.handle = handle;
    this.ownsHandle = owned;
  }

  /** The dims of one image's input tensor, batch 1. */
  inputDims(): number[] {
    const p = this.spec.preprocess;
    return p.layout === 'NCHW' ? [1, p.channels, p.height, p.width] : [1, p.height, p.width, p.channels];
  }

  /** The graph of d score / d input. */
  async inputGradients(): Promise<GradientModel> {
    return (await this.entry('input', () => GradientModel.open(this.handle, { inputName: this.spec.inputName, outputName: this.spec.outputName || undefined, inputDims: this.inputDims() }).then((model) => ({ model })))).model;
  }

  /** The graph of d score / d feature map, with the map itself, at the Grad-CAM layer. */
  async camGradients(): Promise<{ model: GradientModel; cam: CamTensor }> {
    const entry = await this.entry('cam', async () => {
      let cam: CamTensor | undefined;
      const model = await GradientModel.open(this.handle, {
        inputName: this.spec.inputName, outputName: this.spec.outputName || undefined, inputDims: this.inputDims(),
        select: (graph, path, shapes, score) => {
          cam = findCamTensor(graph, path, this.spec.inputName, score, shapes, this.spec.preprocess.layout, this.spec.explainLayer);
          return { sources: [cam.name], values: [cam.name] };
        },
      });
      return { model, cam };
    });
    return { model: entry.model, cam: entry.cam as CamTensor };
  }

  /** A graph propagating relevance from the score to the input with `options` (one per rule and parameters). */
  async relevance(options: RelevanceOptions): Promise<GradientModel> {
    const key = `lrp:${JSON.stringify(options)}`;
    const entry = await this.entry(key, () => GradientModel.open(this.handle, { inputName: this.spec.inputName, outputName: this.spec.outputName || undefined, inputDims: this.inputDims(), rules: relevanceRules({ ...options, input: this.spec.inputName }) }).then((model) => ({ model })));
    return entry.model;
  }

  private entry(key: string, open: () => Promise<{ model: GradientModel; cam?: CamTensor }>): Promise<{ model: GradientModel; cam?: CamTensor }> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = open();
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
    }
    return entry;
  }

  async dispose(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(async (entry) => (await entry.catch(() => undefined))?.model.dispose()));
    if (this.ownsHandle) await this.handle.dispose();
  }
}

/**
 * LRP (Bach et al. 2015; rules as in Montavon et al. 2019) through the model's graph: the class logit redistributed to
 * the input, summed over channels; params.conservation = Σ R_input / logit (1 when biases and ε absorb nothing).
 */
export async function relevanceMap(cache: GradientSessionCache, image: ExplainImage, options: ExplainOptions & RelevanceOptions): Promise<Heatmap> {
  throwIfAborted(options.signal);
  const rule: RelevanceOptions = { rule: options.rule, epsilon: options.epsilon, gamma: options.gamma, alpha: options.alpha, beta: options.beta, inputBounds: options.inputBounds };
  const requested = options.classIndex;
  if (rule.rule === 'alphabeta' && Math.abs((rule.alpha ?? 1) - (rule.beta ?? 0) - 1) > 1e-9) {
    throw new FairframeError('bad-config', `The LRP αβ-rule needs α − β = 1 (given α = ${rule.alpha ?? 1}, β = ${rule.beta ?? 0}); use α = 1, β = 0 or α = 2, β = 1.`);
  }
  const model = await cache.relevance(rule);
  const classIndex = requested ?? argmax((await model.run(image.input, 0)).score.data);
  const run = await model.run(image.input, classIndex);
  const relevance = (run.gradients.get(model.request.sources[0]) as DenseTensor).data;
  const logit = run.score.data[classIndex];
  const total = relevance.reduce((a, b) => a + b, 0);
  const conservation = logit === 0 ? Number.NaN : total / logit;
  const parameters: Record<string, number> = rule.rule === 'epsilon' ? { epsilon: rule.epsilon ?? 1e-6 } : rule.rule === 'gamma' ? { gamma: rule.gamma ?? 0.25 } : { alpha: rule.alpha ?? 1, beta: rule.beta ?? 0 };
  return {
    method: 'lrp', classIndex, width: image.width, height: image.height, data: perPixel(relevance, cache.spec),
    params: { rule: rule.rule, ...parameters, inputRule: rule.inputBounds ? 'zB' : 'same', logit, relevanceSum: total, conservation, engine: 'graph' },
    modelCalls: 1,
    note: `LRP-${rule.rule} through the model's graph, from the class logit ${logit.toPrecision(4)} to the input (conservation ${Number.isFinite(conservation) ? conservation.toFixed(4) : 'undefined'}; the difference is relevance biases and ε absorb).`,
  };
}

/** The class explained: the given one, else the highest score. */
function pickClass(score: Float32Array, classIndex: number | undefined): number {
  return classIndex ?? argmax(score);
}

/** d(score of `classIndex`)/d(input) for one input tensor (the model's layout, batch axis dropped), and the scores. */
export async function inputGradient(cache: GradientSessionCache, input: Float32Array, classIndex?: number): Promise<{ gradient: DenseTensor; score: Float32Array; classIndex: number }> {
  const model = await cache.inputGradients();
  const target = classIndex ?? pickClass((await model.run(input, 0)).score.data, undefined);
  const run = await model.run(input, target);
  return { gradient: run.gradients.get(model.request.sources[0]) as DenseTensor, score: run.score.data, classIndex: target };
}

/** The feature-resolution Grad-CAM (or Grad-CAM++) map from the feature map `activation` and its gradient, height × width. */
export function camMap(activation: Float32Array, gradient: Float32Array, cam: CamTensor, variant: 'gradcam' | 'gradcam++'): Float32Array {
  const { channels, height, width } = cam;
  const positions = height * width;
  const offset = (cam.skippedTokens ?? 0) * channels;
  const at = cam.layout === 'NCHW' ? (c: number, p: number): number => c * positions + p : (c: number, p: number): number => offset + p * channels + c;
  const weights = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    if (variant === 'gradcam') {
      for (let p = 0; p < positions; p++) weights[c] += gradient[at(c, p)] / positions;
    } else {
      let activationSum = 0;
      for (let p = 0; p < positions; p++) activationSum += activation[at(c, p)];
      for (let p = 0; p < positions; p++) {
        const g = gradient[at(c, p)];
        const denominator = 2 * g * g + activationSum * g * g * g + 1e-7;
        weights[c] += (g !== 0 ? (g * g) / denominator : 0) * Math.max(0, g);
      }
    }
  }
  const map = new Float32Array(positions);
  for (let p = 0; p < positions; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += weights[c] * activation[at(c, p)];
    map[p] = Math.max(0, sum);
  }
  return map;
}

/** Options of `gradCamMap`. */
export interface GradCamMapOptions extends ExplainOptions {
  variant?: 'gradcam' | 'gradcam++';
}

/**
 * Grad-CAM (Selvaraju et al. 2017): ReLU(Σ_c α_c A_c), α_c = mean over positions of ∂y_c/∂A; Grad-CAM++ (Chattopadhyay
 * et al. 2018): α_c = Σ_ij a_ij ReLU(g_ij), a_ij = g²/(2g² + Σ_ab A_ab g³) (as pytorch-grad-cam computes it).
 */
export async function gradCamMap(cache: GradientSessionCache, image: ExplainImage, options: GradCamMapOptions = {}): Promise<Heatmap> {
  throwIfAborted(options.signal);
  const variant = options.variant ?? 'gradcam';
  const { model, cam } = await cache.camGradients();
  const classIndex = options.classIndex ?? argmax((await model.run(image.input, 0)).score.data);
  const run = await model.run(image.input, classIndex);
  const map = camMap((run.values.get(cam.name) as DenseTensor).data, (run.gradients.get(cam.name) as DenseTensor).data, cam, variant);
  const { channels, height, width } = cam;
  return {
    method: variant, classIndex, width: image.width, height: image.height,
    data: upsampleBilinear(map, width, height, image.width, image.height),
    params: { variant, layer: cam.name, layout: cam.layout, featureWidth: width, featureHeight: height, score: run.score.data[classIndex] },
    modelCalls: 1,
    note: `Gradient of the class logit with respect to '${cam.name}' (${channels} × ${height} × ${width}, ${cam.layout}; ${cam.reason}), computed by the model's own gradient graph, upsampled bilinearly to ${image.width} × ${image.height}.${map.every((v) => v === 0) ? ' The map is zero everywhere: no channel has positive evidence for this class.' : ''}`,
  };
}

/** Sum over channels of a per-input-element attribution, as a height × width map (the model's layout). */
function perPixel(values: Float32Array | Float64Array, spec: ModelSpec, transform: (v: number) => number = (v) => v): Float32Array {
  const { channels, width, height, layout } = spec.preprocess;
  const map = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) map[p] += transform(values[layout === 'NCHW' ? c * width * height + p : p * channels + c]);
  }
  return map;
}

/** Options of the input-attribution methods. */
export interface InputAttributionOptions extends ExplainOptions {
  /** Integrated Gradients: Riemann steps (default 32) and the baseline input (default zeros). */
  steps?: number;
  baseline?: Float32Array;
  /** SmoothGrad: noisy samples (default 16) and the noise's standard deviation as a share of the input's range (default 0.15). */
  samples?: number;
  noise?: number;
}

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x − x′) ⊙ mean_k ∇f(x′ + (k − ½)/m · (x − x′)), the midpoint Riemann
 * sum of the path integral; completeness Σ attributions = f(x) − f(x′) is measured and reported.
 */
export async function integratedGradients(cache: GradientSessionCache, image: ExplainImage, options: InputAttributionOptions = {}): Promise<Heatmap & { attributions: Float64Array; completeness: { sum: number; difference: number } }> {
  const model = await cache.inputGradients();
  const steps = Math.max(1, Math.floor(options.steps ?? 32));
  const baseline = options.baseline ?? new Float32Array(image.input.length);
  const start = await model.run(baseline, 0);
  const end = await model.run(image.input, 0);
  const classIndex = pickClass(end.score.data, options.classIndex);
  const total = new Float64Array(image.input.length);
  const point = new Float32Array(image.input.length);
  for (let k = 0; k < steps; k++) {
    throwIfAborted(options.signal);
    const t = (k + 0.5) / steps;
    for (let i = 0; i < point.length; i++) point[i] = baseline[i] + t * (image.input[i] - baseline[i]);
    const g = (await model.run(point, classIndex)).gradients.get(model.request.sources[0]) as DenseTensor;
    for (let i = 0; i < total.length; i++) total[i] += g.data[i];
  }
  const attributions = total.map((sum, i) => (sum / steps) * (image.input[i] - baseline[i]));
  const sum = attributions.reduce((a, b) => a + b, 0);
  const difference = end.score.data[classIndex] - start.score.data[classIndex];
  const gap = Math.abs(sum - difference) / Math.max(Math.abs(difference), 1e-12);
  return {
    method: 'integrated-gradients', classIndex, width: image.width, height: image.height,
    data: perPixel(attributions, cache.spec), attributions, completeness: { sum, difference },
    params: { steps, completenessGap: gap }, modelCalls: steps + 2,
    note: `Σ attributions = ${sum.toPrecision(5)} against f(x) − f(baseline) = ${difference.toPrecision(5)} (gap ${(100 * gap).toFixed(2)}%, ${steps} steps).${gap > 0.05 ? ' The Riemann sum is too coarse for this model along this path: more steps (the steps parameter) narrow the gap.' : ''}`,
  };
}

/** SmoothGrad (Smilkov et al. 2017): the mean of |∇f| over `samples` copies of the input with Gaussian noise, summed over channels. */
export async function smoothGrad(cache: GradientSessionCache, image: ExplainImage, options: InputAttributionOptions = {}): Promise<Heatmap> {
  const model = await cache.inputGradients();
  const samples = Math.max(1, Math.floor(options.samples ?? 16));
  let low = Infinity;
  let high = -Infinity;
  for (const v of image.input) [low, high] = [Math.min(low, v), Math.max(high, v)];
  const sigma = (options.noise ?? 0.15) * (high - low || 1);
  const random = mulberry32(options.seed ?? 1);
  const classIndex = options.classIndex ?? pickClass((await model.run(image.input, 0)).score.data, undefined);
  const total = new Float64Array(image.input.length);
  const noisy = new Float32Array(image.input.length);
  for (let s = 0; s < samples; s++) {
    throwIfAborted(options.signal);
    // Box–Muller normal draws.
    for (let i = 0; i < noisy.length; i++) noisy[i] = image.input[i] + sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const g = (await model.run(noisy, classIndex)).gradients.get(model.request.sources[0]) as DenseTensor;
    for (let i = 0; i < total.length; i++) total[i] += Math.abs(g.data[i]) / samples;
  }
  return { method: 'smoothgrad', classIndex, width: image.width, height: image.height, data: perPixel(total, cache.spec), params: { samples, noise: options.noise ?? 0.15, seed: options.seed ?? 1 }, modelCalls: samples + 1 };
}

/** Gradient × input (Shrikumar et al. 2016): x ⊙ ∇f(x), summed over channels. */
export async function gradientTimesInput(cache: GradientSessionCache, image: ExplainImage, options: ExplainOptions = {}): Promise<Heatmap> {
  const { gradient, classIndex } = await inputGradient(cache, image.input, options.classIndex);
  const product = gradient.data.map((g, i) => g * image.input[i]);
  return { method: 'gradient-input', classIndex, width: image.width, height: image.height, data: perPixel(product, cache.spec), params: {}, modelCalls: 1 };
}

/** The gradient methods this module serves. */
export const GRAPH_GRADIENT_METHODS: readonly ExplainMethod[] = ['gradcam++', 'integrated-gradients', 'smoothgrad', 'gradient-input'];
