// Explains one model's decisions on images: any method by name, with a model-agnostic fallback when a gradient method
// cannot read the model's head, the map's faithfulness (deletion/insertion), the model-randomisation sanity check, a
// counterfactual, an overlay PNG, and a cache per (model, image, method, class, parameters).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelConfig } from '../config/configTypes';
import { FairframeError } from '../errors';
import { readGuardedFile, readGuardedText } from '../io/guardedFile';
import { readSidecar, resolveModelSpec, type ResolvedModelSpec } from '../model/modelSpec';
import { ModelHandle } from '../model/modelHandle';
import type { PreprocessSpec } from '../model/modelTypes';
import { findCounterfactual, type Counterfactual } from './counterfactual';
import type { ExplainImage, ExplainMethod, Heatmap, ModelRunner } from './explainTypes';
import { faithfulness, randomOrderFaithfulness, spearmanRankCorrelation } from './faithfulness';
import { gradCam } from './gradCam';
import { gradCamMap, gradientTimesInput, GradientSessionCache, integratedGradients, relevanceMap, smoothGrad } from '../gradient/gradientExplain';
import { ExplainSessionCache } from './headSession';
import { renderOverlayPng } from './heatmapRender';
import { kernelShapMap } from './kernelShap';
import { limeMap } from './lime';
import { lrp } from './lrp';
import { createModelRunner, resolveClass } from './modelRunner';
import { occlusionMap } from './occlusion';
import { prepareExplainImage } from './prepareImage';
import { riseMap } from './rise';
import { randomisedClassifierModel } from './sanityCheck';

export { EXPLAIN_METHODS } from './explainTypes';

/** Bumped when a method's output changes, so old cache entries are not reused. */
const EXPLANATION_CACHE_VERSION = 5;

/** What to compute besides the map. */
export interface ExplainRequest {
  method: ExplainMethod;
  /** Class index to explain; default: the predicted class. */
  classIndex?: number;
  seed?: number;
  /** Method parameters (patch, stride, masks, samples, rule, …), passed through. */
  params?: Record<string, number | string>;
  faithfulness?: boolean;
  sanity?: boolean;
  counterfactual?: boolean;
  signal?: AbortSignal;
}

/** An explanation with what is known about how far to trust it. */
export interface Explanation {
  method: ExplainMethod;
  /** Set when the requested method could not run on this model and `method` was used instead, with the reason. */
  fallbackFrom?: { method: ExplainMethod; reason: string };
  classIndex: number;
  className: string;
  /** P(class) for the original image. */
  probability: number;
  predictedIndex: number;
  predictedName: string;
  heatmap: Heatmap;
  /**
   * Deletion AUC (lower = more faithful) and insertion AUC (higher = more faithful), Petsiuk et al. 2018, with the
   * same AUCs for a seeded random pixel order on this image (chance level).
   */
  faithfulness?: { deletionAuc: number; insertionAuc: number; steps: number; randomDeletionAuc: number; randomInsertionAuc: number };
  /** Spearman ρ between this map and the same method's map on a model with a randomised classifier (low = passes). */
  sanity?: { spearman: number | null; passed: boolean | null; note?: string };
  counterfactual?: Counterfactual;
  milliseconds: number;
  fromCache: boolean;
}

/** A sanity-check correlation at or above this means the map did not change enough when the model was randomised. */
export const SANITY_MAX_SPEARMAN = 0.5;

function methodParams(request: ExplainRequest): Record<string, number | string | boolean> {
  return { ...(request.params ?? {}), seed: request.seed ?? 1 };
}

/** The number of classes of a model with one output whose last dimension is fixed. */
function outputSize(outputs: ReadonlyArray<{ shape: Array<number | string | null> }>): number | undefined {
  const last = outputs.length === 1 ? outputs[0].shape[outputs[0].shape.length - 1] : undefined;
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/** The range of each input channel after preprocessing: pixel 0 and 255 through scale, mean and std (raw 0–255 for uint8 inputs). */
export function inputBounds(preprocess: PreprocessSpec): { low: number[]; high: number[] } {
  const channels = Array.from({ length: preprocess.channels }, (_, c) => c);
  if (preprocess.inputType === 'uint8') return { low: channels.map(() => 0), high: channels.map(() => 255) };
  const at = (value: number, c: number): number => (value * preprocess.scale - (preprocess.mean[c] ?? 0)) / (preprocess.std[c] ?? 1);
  return { low: channels.map((c) => Math.min(at(0, c), at(255, c))), high: channels.map((c) => Math.max(at(0, c), at(255, c))) };
}

/** The model input of an all-black image (pixel 0 through scale, mean and std): Integrated Gradients' baseline. */
function blackInput(preprocess: PreprocessSpec): Float32Array {
  const { channels, width, height, layout } = preprocess;
  const out = new Float32Array(channels * width * height);
  const low = preprocess.inputType === 'uint8' ? Array(channels).fill(0) : Array.from({ length: channels }, (_, c) => -(preprocess.mean[c] ?? 0) / (preprocess.std[c] ?? 1));
  for (let i = 0; i < out.length; i++) out[i] = low[layout === 'NCHW' ? Math.floor(i / (width * height)) : i % channels];
  return out;
}

/** SHA-256 of the model input an image became: the key of its explanations. */
function inputHash(image: ExplainImage): string {
  return createHash('sha256').update(new Uint8Array(image.input.buffer, image.input.byteOffset, image.input.byteLength)).digest('hex');
}

/** Explains images for one model; open with `Explainer.open`, release with `dispose`. */
export class Explainer {
  readonly file: string;
  readonly spec: ResolvedModelSpec;
  readonly modelSha256: string;
  /** The model, parsed once; its sessions serve every method (and, in an audit, inference too). */
  private readonly model: ModelHandle;
  private readonly ownsModel: boolean;
  private readonly cacheDir?: string;
  private readonly sessions = new ExplainSessionCache();
  private readonly gradients: GradientSessionCache;
  private readonly randomOrders = new Map<string, Promise<{ deletion: number; insertion: number }>>();
  private runnerPromise?: Promise<ModelRunner>;
  private randomised?: { model: ModelHandle; runner?: Promise<ModelRunner>; sessions: ExplainSessionCache; gradients: GradientSessionCache };

  private constructor(file: string, model: Uint8Array | ModelHandle, spec: ResolvedModelSpec, sha256: string, cacheDir?: string, ownsHandle = false) {
    this.file = file;
    const { handle, owned } = ModelHandle.of(model, file);
    this.model = handle;
    this.ownsModel = owned || ownsHandle;
    this.spec = spec;
    this.modelSha256 = sha256;
    this.cacheDir = cacheDir;
    this.gradients = new GradientSessionCache(handle, spec);
  }

  /** Reads and inspects the model, and resolves its labels and preprocessing (fairframe.json entry > sidecar > metadata). */
  static async open(file: string, options: { config?: ModelConfig; datasetLabels?: string[]; cacheDir?: string } = {}): Promise<Explainer> {
    const absolute = path.resolve(file);
    const bytes = await readGuardedFile(absolute, 'model').catch((error: NodeJS.ErrnoException) => {
      if (FairframeError.is(error)) throw new FairframeError('bad-model', error.message, { file: absolute });
      throw new FairframeError(error.code === 'ENOENT' ? 'path-not-found' : 'bad-model', `The model file '${absolute}' cannot be read (${error.code ?? error.message}).`, { file: absolute });
    });
    const handle = ModelHandle.fromBytes(bytes, absolute);
    const info = handle.info();
    const sidecar = await readSidecar(absolute);
    const model = handle.model();
    let spec: ResolvedModelSpec;
    try {
      spec = resolveModelSpec(info, { sidecar: sidecar?.config, config: options.config, datasetLabels: options.datasetLabels, model });
    } catch (error) {
      // A model that names no classes can still be explained: its classes are then called by their output index.
      const classes = outputSize(info.outputs);
      if (!FairframeError.is(error, 'model-labels') || options.datasetLabels || classes === undefined) throw error;
      const labels = Array.from({ length: classes }, (_, i) => String(i));
      spec = resolveModelSpec(info, { sidecar: sidecar?.config, config: { ...(options.config ?? {}), labels }, model });
      spec.sources.labels = 'default';
    }
    return new Explainer(absolute, handle, spec, info.sha256, options.cacheDir, true);
  }

  /**
   * An explainer for a model already read and resolved (as the model audit has it): its handle's parsed graph,
   * sessions and measured shapes are shared, and the caller disposes the handle; given bytes, the explainer owns them.
   */
  static fromModel(file: string, model: Uint8Array | ModelHandle, spec: ResolvedModelSpec, sha256: string, cacheDir?: string): Explainer {
    return new Explainer(file, model, spec, sha256, cacheDir);
  }


  /** The class index of a label name (the model's, or its dataset name after `labelMap`), or a 'bad-config' error listing the labels. */
  classIndexOf(name: string): number {
    let index = this.spec.labels.indexOf(name);
    if (index < 0) index = this.spec.labels.findIndex((label) => this.spec.labelMap[label] === name);
    if (index < 0) throw new FairframeError('bad-config', `The model has no class '${name}'; its classes are ${this.spec.labels.map((l) => `'${l}'`).join(', ')}.`);
    return index;
  }

  /** Prepares an image as the model sees it (the audit's preprocessing). */
  prepare(image: string | Buffer): Promise<ExplainImage> {
    return prepareExplainImage(image, this.spec);
  }

  private runner(): Promise<ModelRunner> {
    this.runnerPromise ??= createModelRunner(this.model, this.spec);
    return this.runnerPromise;
  }

  /**
   * Runs one method. Grad-CAM goes through the model's own gradient graph, then the hand-read classifier head; a gradient
   * method that cannot run on this model falls back to occlusion, and says so.
   */
  private async map(model: ModelHandle, runner: () => Promise<ModelRunner>, sessions: ExplainSessionCache, gradients: GradientSessionCache, image: ExplainImage, request: ExplainRequest, classIndex: number): Promise<{ heatmap: Heatmap; method: ExplainMethod; fallbackFrom?: Explanation['fallbackFrom'] }> {
    const common = { classIndex, seed: request.seed, signal: request.signal };
    const p = request.params ?? {};
    const num = (key: string): number | undefined => (typeof p[key] === 'number' ? (p[key] as number) : undefined);
    try {
      switch (request.method) {
        case 'gradcam':
        case 'gradcam++':
          try {
            return { heatmap: await gradCamMap(gradients, image, { ...common, variant: request.method }), method: request.method };
          } catch (error) {
            if (request.method === 'gradcam++' || !FairframeError.is(error, 'unsupported-model')) throw error;
            return { heatmap: await gradCam(model, image, { ...common, variant: 'gradcam', sessions }), method: 'gradcam' };
          }
        case 'integrated-gradients':
          return { heatmap: await integratedGradients(gradients, image, { ...common, steps: num('steps'), baseline: blackInput(this.spec.preprocess) }), method: request.method };
        case 'smoothgrad':
          return { heatmap: await smoothGrad(gradients, image, { ...common, samples: num('samples'), noise: num('noise') }), method: request.method };
        case 'gradient-input':
          return { heatmap: await gradientTimesInput(gradients, image, common), method: request.method };
        case 'cam':
          return { heatmap: await gradCam(model, image, { ...common, variant: request.method, sessions }), method: request.method };
        case 'lrp': {
          const rule = p.rule === 'alphabeta' || p.rule === 'gamma' ? p.rule : 'epsilon';
          const options = { ...common, epsilon: num('epsilon'), alpha: num('alpha'), beta: num('beta'), inputBounds: p.inputRule === 'same' ? undefined : inputBounds(this.spec.preprocess) };
          try {
            return { heatmap: await relevanceMap(gradients, image, { ...options, rule, gamma: num('gamma') }), method: 'lrp' };
          } catch (error) {
            // The TypeScript LRP reads plain chains the graph rules may not (and knows no γ-rule).
            if (!FairframeError.is(error, 'unsupported-model') || rule === 'gamma') throw error;
            try {
              return { heatmap: await lrp(model, image, { ...options, rule, sessions }), method: 'lrp' };
            } catch (fallback) {
              // When neither can, the graph's reason is the one that says what in the model stops LRP.
              throw FairframeError.is(fallback, 'unsupported-model') ? error : fallback;
            }
          }
        }
        case 'occlusion':
          return { heatmap: await occlusionMap(await runner(), image, { ...common, patch: num('patch'), stride: num('stride') }), method: 'occlusion' };
        case 'rise':
          return { heatmap: await riseMap(await runner(), image, { ...common, masks: num('masks'), grid: num('grid') }), method: 'rise' };
        case 'lime':
          return { heatmap: await limeMap(await runner(), image, { ...common, samples: num('samples') }), method: 'lime' };
        case 'shap':
          return { heatmap: await kernelShapMap(await runner(), image, { ...common, samples: num('samples') }), method: 'shap' };
      }
    } catch (error) {
      if (!FairframeError.is(error, 'unsupported-model')) throw error;
      const heatmap = await occlusionMap(await runner(), image, common);
      return { heatmap, method: 'occlusion', fallbackFrom: { method: request.method, reason: error.message } };
    }
  }

  /** Explains `image` (a file or its bytes) for the requested class (default: the predicted one). */
  async explain(input: string | Buffer, request: ExplainRequest): Promise<Explanation> {
    const started = Date.now();
    const image = await this.prepare(input);
    const runner = await this.runner();
    const predicted = await resolveClass(runner, image, undefined, request.signal);
    const classIndex = request.classIndex ?? predicted.classIndex;
    if (classIndex < 0 || classIndex >= runner.classes) throw new FairframeError('bad-config', `Class ${classIndex} is out of range: the model has ${runner.classes} classes.`);
    const imageHash = inputHash(image);
    const key = this.cacheKey(imageHash, request, classIndex);
    const cached = await this.readCache(key);
    if (cached) return { ...cached, fromCache: true, milliseconds: Date.now() - started };

    const { heatmap, method, fallbackFrom } = await this.map(this.model, () => this.runner(), this.sessions, this.gradients, image, request, classIndex);
    const result: Explanation = {
      method,
      fallbackFrom,
      classIndex,
      className: this.spec.labels[classIndex] ?? String(classIndex),
      probability: predicted.probs[classIndex],
      predictedIndex: predicted.classIndex,
      predictedName: this.spec.labels[predicted.classIndex] ?? String(predicted.classIndex),
      heatmap,
      milliseconds: 0,
      fromCache: false,
    };
    if (request.faithfulness) {
      const f = await faithfulness(runner, image, heatmap, { signal: request.signal });
      const chance = await this.randomOrder(runner, image, `${imageHash}:${classIndex}`, classIndex, request.signal);
      result.faithfulness = { deletionAuc: f.deletion.auc, insertionAuc: f.insertion.auc, steps: f.deletion.x.length - 1, randomDeletionAuc: chance.deletion, randomInsertionAuc: chance.insertion };
    }
    if (request.sanity) result.sanity = await this.sanity(image, { ...request, method }, classIndex, heatmap);
    if (request.counterfactual) result.counterfactual = await findCounterfactual(runner, image, heatmap, { signal: request.signal });
    result.milliseconds = Date.now() - started;
    await this.writeCache(key, result);
    return result;
  }

  /** The random-order AUCs of an image and class, computed once per image for all methods (the last 64 kept). */
  private async randomOrder(runner: ModelRunner, image: ExplainImage, key: string, classIndex: number, signal?: AbortSignal): Promise<{ deletion: number; insertion: number }> {
    let entry = this.randomOrders.get(key);
    if (!entry) {
      entry = randomOrderFaithfulness(runner, image, classIndex, { signal }).then((f) => ({ deletion: f.deletion.auc, insertion: f.insertion.auc }));
      entry.catch(() => this.randomOrders.delete(key));
      this.randomOrders.set(key, entry);
      if (this.randomOrders.size > 64) this.randomOrders.delete(this.randomOrders.keys().next().value as string);
    }
    return entry;
  }

  /** Renders the map over the image the model saw, as a PNG. */
  async overlayPng(input: string | Buffer | ExplainImage, heatmap: Heatmap, size?: number): Promise<Buffer> {
    const image = typeof input === 'string' || Buffer.isBuffer(input) ? await this.prepare(input) : input;
    return renderOverlayPng(image, heatmap, { size });
  }

  private async sanity(image: ExplainImage, request: ExplainRequest, classIndex: number, original: Heatmap): Promise<Explanation['sanity']> {
    try {
      if (!this.randomised) {
        // A variant of the parsed model (no second parse): its graph and measured shapes are the original's.
        const seed = request.seed ?? 1;
        const model = this.model.variant(`randomised-classifier:${seed}`, (copy) => randomisedClassifierModel(copy, seed));
        this.randomised = { model, sessions: new ExplainSessionCache(), gradients: new GradientSessionCache(model, this.spec) };
      }
      const randomised = this.randomised;
      const runner = (): Promise<ModelRunner> => (randomised.runner ??= createModelRunner(randomised.model, this.spec));
      const { heatmap } = await this.map(randomised.model, runner, randomised.sessions, randomised.gradients, image, request, classIndex);
      const rho = spearmanRankCorrelation(original.data, heatmap.data);
      const spearman = Number.isFinite(rho) ? rho : null;
      return { spearman, passed: spearman === null ? null : spearman < SANITY_MAX_SPEARMAN, note: spearman === null ? 'one of the maps is constant' : undefined };
    } catch (error) {
      if (!FairframeError.is(error, 'unsupported-model')) throw error;
      return { spearman: null, passed: null, note: error.message };
    }
  }

  private cacheKey(imageHash: string, request: ExplainRequest, classIndex: number): string {
    const hash = createHash('sha256').update(imageHash);
    hash.update(JSON.stringify({ method: request.method, classIndex, params: methodParams(request), f: !!request.faithfulness, s: !!request.sanity, c: !!request.counterfactual }));
    return hash.digest('hex');
  }

  private cacheFile(key: string): string | undefined {
    return this.cacheDir ? path.join(this.cacheDir, `explanations-v${EXPLANATION_CACHE_VERSION}`, this.modelSha256.slice(0, 32), `${key}.json`) : undefined;
  }

  private async readCache(key: string): Promise<Explanation | undefined> {
    const file = this.cacheFile(key);
    if (!file) return undefined;
    try {
      const stored = JSON.parse(await readGuardedText(file, 'cache')) as Explanation & { heatmap: Heatmap & { data: string } };
      const bytes = Buffer.from(stored.heatmap.data, 'base64');
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      if (data.length !== stored.heatmap.width * stored.heatmap.height) return undefined;
      return { ...stored, heatmap: { ...stored.heatmap, data } };
    } catch {
      return undefined; // absent or damaged: computed again
    }
  }

  private async writeCache(key: string, result: Explanation): Promise<void> {
    const file = this.cacheFile(key);
    if (!file) return;
    const data = Buffer.from(result.heatmap.data.buffer, result.heatmap.data.byteOffset, result.heatmap.data.byteLength).toString('base64');
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temp, JSON.stringify({ ...result, heatmap: { ...result.heatmap, data } }));
      await fs.rename(temp, file);
    } catch {
      await fs.rm(temp, { force: true }).catch(() => undefined); // a cache that cannot be written only costs time
    }
  }

  /** Releases the sessions. */
  async dispose(): Promise<void> {
    await this.sessions.dispose();
    await this.gradients.dispose();
    await this.randomised?.sessions.dispose();
    await this.randomised?.gradients.dispose();
    await (await this.runnerPromise?.catch(() => undefined))?.dispose();
    await (await this.randomised?.runner?.catch(() => undefined))?.dispose();
    if (this.ownsModel) await this.model.dispose();
  }
}
