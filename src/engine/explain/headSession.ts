// onnxruntime sessions for the gradient and relevance methods: created from model bytes with extra outputs exposed,
// optionally kept in a cache across images (a hover runs one model call, not a model load), and the image fed as a
// batch of one.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { FairframeError } from '../errors';
import { int64ToNumber, type Int64 } from '../model/onnxModel';
import type { ExplainImage } from './explainTypes';
import type { GraphIndex, Tensor } from './headGraph';
import { cpuSessionOptions } from '../model/ortSession';

/** Something a cache can release. */
export interface Releasable {
  release(): Promise<void>;
}

/** sha256 of model buffers already seen, so a hover does not hash a large model on every call. */
const modelDigests = new WeakMap<Uint8Array, string>();

/**
 * Prepared models (parsed graph, session with the tensors a method needs exposed) kept across calls, keyed by method
 * and model content. Pass one as `options.sessions` to gradCam/lrp when explaining many images of one model; call
 * dispose() when done. Without it each call loads the model and releases it before returning.
 */
export class ExplainSessionCache {
  private readonly entries = new Map<string, Promise<Releasable>>();

  /** The entry for (method, model bytes), made by `create` on first use; a failed creation is not kept. */
  async get<T extends Releasable>(method: string, modelBytes: Uint8Array, create: () => Promise<T>): Promise<T> {
    let digest = modelDigests.get(modelBytes);
    if (digest === undefined) {
      digest = createHash('sha256').update(modelBytes).digest('hex');
      modelDigests.set(modelBytes, digest);
    }
    const key = `${method}:${digest}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = create();
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return (await entry) as T;
  }

  /** Releases every session. */
  async dispose(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(async (entry) => (await entry.catch(() => undefined))?.release().catch(() => undefined)));
  }
}

/** Runs `use` on a prepared model taken from `cache`, or made for this call only and released afterwards. */
export async function withPrepared<T extends Releasable, R>(cache: ExplainSessionCache | undefined, method: string, modelBytes: Uint8Array,
  create: () => Promise<T>, use: (prepared: T) => Promise<R>): Promise<R> {
  if (cache) return use(await cache.get(method, modelBytes, create));
  const prepared = await create();
  try {
    return await use(prepared);
  } finally {
    await prepared.release().catch(() => undefined);
  }
}

/** A CPU session with one intra-op thread per core that do not spin when idle (explanations share the worker with audits). */
export async function createExplainSession(modelBytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(modelBytes, cpuSessionOptions(os.availableParallelism()));
  } catch (error) {
    throw new FairframeError('bad-model', `ONNX Runtime could not load the model for explanation (${firstLine(error)}); re-export or re-download it.`);
  }
}

/** The model's image input as a batch of one, its layout read from the declared input shape. */
export function imageFeed(index: GraphIndex, image: ExplainImage): { name: string; tensor: ort.Tensor; layout: 'NCHW' | 'NHWC' } {
  if (index.inputs.length !== 1) {
    throw new FairframeError('bad-model', `The model has ${index.inputs.length} inputs (${index.inputs.join(', ')}); explanations feed a single image tensor.`);
  }
  const name = index.inputs[0];
  const declared = (index.graph.input ?? []).find((input) => input.name === name);
  const shape = (declared?.type?.tensorType?.shape?.dim ?? []).map((dim) => (dim.dimValue !== null && dim.dimValue !== undefined ? int64ToNumber(dim.dimValue as Int64) : undefined));
  const { width, height, channels } = image;
  let dims: number[];
  let layout: 'NCHW' | 'NHWC' = 'NCHW';
  if (shape.length === 3) dims = [1, height, width];
  else {
    layout = shape.length === 4 && shape[1] !== channels && shape[3] === channels ? 'NHWC' : 'NCHW';
    dims = layout === 'NCHW' ? [1, channels, height, width] : [1, height, width, channels];
  }
  const fits = shape.length === 0 || (shape.length === dims.length && shape.every((dim, axis) => dim === undefined || dim <= 0 || dim === dims[axis]));
  if (!fits || image.input.length !== channels * width * height) {
    throw new FairframeError('bad-image',
      `The model input '${name}' has shape [${shape.map((dim) => dim ?? '?').join(', ')}] but the image gives ${image.input.length} values as [${dims.join(', ')}]; ` +
        'prepare the image with the model\'s preprocessing (width, height, channels, layout).', { input: name });
  }
  return { name, tensor: new ort.Tensor('float32', image.input, dims), layout };
}

/** One output of a run as a float64 tensor; 'bad-model' when it is missing or not floating point. */
export function readOutput(results: ort.InferenceSession.OnnxValueMapType, name: string): Tensor {
  const value = results[name];
  if (!value || !(value instanceof ort.Tensor) || (value.type !== 'float32' && value.type !== 'float64')) {
    throw new FairframeError('bad-model', `The model returned no floating-point tensor '${name}'.`);
  }
  return { shape: value.dims.map(Number), data: Float64Array.from(value.data as Float32Array) };
}

/** Checks a requested class against the number of outputs; 'bad-config' when out of range. */
export function checkClass(classIndex: number, classes: number): void {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new FairframeError('bad-config', `The class to explain (${classIndex}) is not one of the model's ${classes} outputs; pick a class index from 0 to ${classes - 1}.`);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}
