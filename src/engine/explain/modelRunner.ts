// One ONNX Runtime session that explanation methods call on many perturbed copies of an image: checks the model's
// input against the spec once, runs inputs in batches (one at a time for batch-1 models, padding for fixed batches),
// turns logits into probabilities (the output kind is detected once when the spec says 'auto') and counts calls.
import { pushAll } from '../arrays';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { FairframeError, throwIfAborted } from '../errors';
import type { ModelSpec, OutputKind } from '../model/modelTypes';
import { tensorElementsPerImage, validatePreprocessSpec } from '../model/preprocess';
import { detectOutputKind, softmax } from '../model/softmax';
import type { ExplainImage, ModelRunner } from './explainTypes';
import { argmax } from '../model/softmax';
import { ModelHandle } from '../model/modelHandle';
import { cpuSessionOptions } from '../model/ortSession';

/** Inputs per model run by default when the batch axis is dynamic. */
export const DEFAULT_EXPLAIN_BATCH_SIZE = 32;
/** Perturbed inputs built and run at a time by `classProbabilities`, so memory stays bounded whatever the sample count. */
export const PERTURBATION_CHUNK = 64;

/** Options of `createModelRunner`. */
export interface ModelRunnerOptions {
  /** Inputs per run (ignored when the model's batch axis is fixed). */
  batchSize?: number;
  /** ONNX Runtime intra-op threads; default one per core. */
  threads?: number;
}

/** How the model's input tensor is shaped. */
interface InputPlan {
  dims(rows: number): number[];
  fixedBatch?: number;
}

/**
 * A batched, call-counting runner on one session: opened for model bytes (released by the runner's dispose), or the
 * model handle's shared session (e.g. the audit's inference session; the handle releases it). Rejects 'bad-model' /
 * 'bad-config' when the model cannot take the spec's input.
 */
export async function createModelRunner(model: Uint8Array | ModelHandle, spec: ModelSpec, options: ModelRunnerOptions = {}): Promise<ModelRunner> {
  validatePreprocessSpec(spec.preprocess);
  const owned = !(model instanceof ModelHandle);
  let session: ort.InferenceSession;
  try {
    session = model instanceof ModelHandle ? await model.session() : await ort.InferenceSession.create(model, cpuSessionOptions(options.threads ?? os.availableParallelism()));
  } catch (error) {
    throw new FairframeError('bad-model', `ONNX Runtime could not load the model to explain (${firstLine(error)}); re-export or re-download it.`, { bytes: (model instanceof ModelHandle ? model.bytes : model).byteLength });
  }
  let plan: InputPlan;
  try {
    plan = planInput(session, spec);
  } catch (error) {
    if (owned) await session.release().catch(() => undefined);
    throw error;
  }
  const runner = new SessionModelRunner(session, spec, plan, options.batchSize, owned);
  if (runner.classes === 0) {
    // No labels and no fixed output size: one black image tells the class count (not counted as a call).
    try {
      await runner.probe();
    } catch (error) {
      await runner.dispose();
      throw error;
    }
  }
  return runner;
}

class SessionModelRunner implements ModelRunner {
  readonly spec: ModelSpec;
  classes: number;
  private callCount = 0;
  private outputKind: OutputKind | undefined;
  private batchSize: number;
  private readonly size: number;

  constructor(private readonly session: ort.InferenceSession, spec: ModelSpec, private readonly plan: InputPlan, batchSize: number | undefined, private readonly ownsSession: boolean) {
    this.spec = spec;
    this.size = tensorElementsPerImage(spec.preprocess);
    this.batchSize = plan.fixedBatch ?? Math.max(1, Math.floor(batchSize ?? DEFAULT_EXPLAIN_BATCH_SIZE));
    this.outputKind = spec.outputKind === 'auto' ? undefined : spec.outputKind;
    const meta = session.outputMetadata.find((output) => output.name === spec.outputName);
    const last = meta && meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
    this.classes = spec.labels.length > 0 ? spec.labels.length : typeof last === 'number' && last > 0 ? last : 0;
  }

  get calls(): number {
    return this.callCount;
  }

  async probe(): Promise<void> {
    const { values, width } = await this.runRows([new Float32Array(this.size)]);
    if (values.length === 0) throw new FairframeError('bad-model', `The model output '${this.spec.outputName}' is empty.`);
    this.classes = width;
  }

  async predict(inputs: Float32Array[], signal?: AbortSignal): Promise<Float32Array[]> {
    inputs.forEach((input, index) => {
      if (input.length !== this.size) {
        const p = this.spec.preprocess;
        throw new FairframeError('bad-image', `Input ${index} to explain has ${input.length} values, but the model takes ${p.channels}×${p.height}×${p.width} = ${this.size}; prepare the image with prepareExplainImage for this model's spec.`);
      }
    });
    const out: Float32Array[] = [];
    for (let start = 0; start < inputs.length; start += this.batchSize) {
      throwIfAborted(signal);
      const chunk = inputs.slice(start, start + this.batchSize);
      let rows: Float32Array[];
      try {
        rows = await this.runChunk(chunk);
      } catch (error) {
        if (FairframeError.is(error) || this.batchSize === 1 || this.plan.fixedBatch !== undefined) throw error;
        // The runtime refused the batch (e.g. a reshape to batch 1 inside): go on one input per run.
        this.batchSize = 1;
        rows = [];
        for (const input of chunk) pushAll(rows, (await this.runChunk([input])));
      }
      pushAll(out, rows);
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.ownsSession) await this.session.release().catch(() => undefined);
  }

  private async runChunk(chunk: Float32Array[]): Promise<Float32Array[]> {
    const { values, width } = await this.runRows(chunk);
    this.callCount += chunk.length;
    const rows = chunk.map((_, row) => values.subarray(row * width, (row + 1) * width));
    if (this.spec.labels.length > 0 && width !== this.spec.labels.length) {
      throw new FairframeError('bad-config', `The model output '${this.spec.outputName}' gives ${width} values per image but ${this.spec.labels.length} labels are declared; declare one label per output class, in output order.`);
    }
    this.classes = width;
    this.outputKind ??= detectOutputKind(rows);
    return rows.map((row) => (this.outputKind === 'logits' ? softmax(row) : row.slice()));
  }

  /** One session.run over `chunk` (padded with zeros to a fixed batch); one row of `width` values per input. */
  private async runRows(chunk: Float32Array[]): Promise<{ values: Float32Array; width: number }> {
    const rows = this.plan.fixedBatch ?? chunk.length;
    if (chunk.length > rows) throw new FairframeError('internal', `A chunk of ${chunk.length} inputs exceeds the model's fixed batch of ${rows}.`);
    const uint8 = this.spec.preprocess.inputType === 'uint8';
    const data = uint8 ? new Uint8Array(rows * this.size) : new Float32Array(rows * this.size);
    chunk.forEach((input, row) => {
      if (uint8) for (let i = 0; i < this.size; i++) data[row * this.size + i] = Math.min(255, Math.max(0, Math.round(input[i])));
      else data.set(input, row * this.size);
    });
    const tensor = data instanceof Uint8Array ? new ort.Tensor('uint8', data, this.plan.dims(rows)) : new ort.Tensor('float32', data, this.plan.dims(rows));
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run({ [this.spec.inputName]: tensor }, [this.spec.outputName], { logSeverityLevel: 4 });
    } catch (error) {
      if (this.plan.fixedBatch !== undefined || rows === 1) {
        throw new FairframeError('bad-model', `Running the model on a batch of ${rows} to explain it failed (${firstLine(error)}); check the model's input settings (size, layout, channels, normalisation).`);
      }
      throw error;
    }
    const value = results[this.spec.outputName];
    if (!(value instanceof ort.Tensor)) throw new FairframeError('bad-model', `The model returned no tensor for output '${this.spec.outputName}'.`);
    let values: Float32Array;
    if (value.type === 'float32') values = value.data as Float32Array;
    else if (value.type === 'float64') values = Float32Array.from(value.data as Float64Array);
    else throw new FairframeError('bad-model', `The model output '${this.spec.outputName}' has element type ${value.type}; class scores must be float32 or float64.`);
    if (values.length === 0 || values.length % rows !== 0 || (rows > 1 && value.dims[0] !== rows)) {
      if (rows === 1) throw new FairframeError('bad-model', `The model output '${this.spec.outputName}' has shape [${value.dims.join(', ')}], not one row of class scores.`);
      throw new Error(`output '${this.spec.outputName}' has shape [${value.dims.join(', ')}] for a batch of ${rows}`);
    }
    return { values, width: values.length / rows };
  }
}

/** Checks the session's input and output against the spec (names, element type, channels, size), before anything runs. */
function planInput(session: ort.InferenceSession, spec: ModelSpec): InputPlan {
  const p = spec.preprocess;
  const name = spec.inputName;
  const meta = session.inputMetadata.find((input) => input.name === name);
  if (!meta) throw new FairframeError('bad-config', `The model has no input named '${name}' (its inputs: ${session.inputNames.join(', ') || 'none'}); set the model's inputName to one of them.`);
  const others = session.inputNames.filter((input) => input !== name);
  if (others.length > 0) throw new FairframeError('bad-model', `The model needs inputs besides the image '${name}' (${others.join(', ')}); Fairframe feeds a single image tensor.`);
  if (!meta.isTensor) throw new FairframeError('bad-model', `The model input '${name}' is not a tensor; images can only be fed as a tensor.`);
  if (meta.type !== p.inputType) {
    throw new FairframeError('bad-config', `The model input '${name}' is ${meta.type} but the preprocessing produces ${p.inputType}; set preprocess.inputType to '${meta.type}'.`);
  }
  if (!session.outputNames.includes(spec.outputName)) {
    throw new FairframeError('bad-config', `The model has no output named '${spec.outputName}' (its outputs: ${session.outputNames.join(', ')}); set the output name to one of them.`);
  }
  const shape = meta.shape.length === 0 ? [null, ...(p.layout === 'NCHW' ? [p.channels, p.height, p.width] : [p.height, p.width, p.channels])] : meta.shape;
  const shown = `[${shape.map((dim) => String(dim ?? '?')).join(', ')}]`;
  const rank3 = shape.length === 3 && p.channels === 1;
  if (shape.length !== 4 && !rank3) throw new FairframeError('bad-model', `The model input '${name}' has shape ${shown}; an image input has 4 axes (N, C, H, W or N, H, W, C), or 3 for greyscale.`);
  const [channels, height, width] = rank3 ? [1, shape[1], shape[2]] : p.layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  const mismatch = (typeof channels === 'number' && channels !== p.channels) || (typeof height === 'number' && height !== p.height) || (typeof width === 'number' && width !== p.width);
  if (mismatch) {
    throw new FairframeError('bad-config',
      `The model input '${name}' takes ${shown} (${p.layout}) but the preprocessing gives ${p.channels}×${p.height}×${p.width}; set preprocess.channels, width and height to match the model.`);
  }
  const declaredBatch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined;
  const fixedBatch = declaredBatch ?? spec.fixedBatch;
  const dims = (rows: number): number[] => {
    if (rank3) return [rows, p.height, p.width];
    return p.layout === 'NCHW' ? [rows, p.channels, p.height, p.width] : [rows, p.height, p.width, p.channels];
  };
  return { dims, ...(fixedBatch !== undefined ? { fixedBatch } : {}) };
}

/** Throws 'bad-image' when `image` was not prepared for the runner's spec (size, channels or tensor length differ). */
export function assertImageFitsModel(runner: ModelRunner, image: ExplainImage): void {
  const p = runner.spec.preprocess;
  if (image.width !== p.width || image.height !== p.height || image.channels !== p.channels || image.input.length !== tensorElementsPerImage(p)) {
    throw new FairframeError('bad-image',
      `The image to explain is ${image.width}×${image.height}×${image.channels} (${image.input.length} values) but the model takes ${p.width}×${p.height}×${p.channels}; prepare it with prepareExplainImage using this model's spec.`);
  }
}

/** The class to explain (the given one, checked, or the predicted one) and the model's probabilities on the image; one model call. */
export async function resolveClass(runner: ModelRunner, image: ExplainImage, classIndex?: number, signal?: AbortSignal): Promise<{ classIndex: number; probs: Float32Array }> {
  assertImageFitsModel(runner, image);
  const [probs] = await runner.predict([image.input], signal);
  if (classIndex === undefined) return { classIndex: argmax(probs), probs };
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= probs.length) {
    throw new FairframeError('bad-config', `Class ${classIndex} cannot be explained: the model has ${probs.length} classes (0–${probs.length - 1}).`);
  }
  return { classIndex, probs };
}

/** P(classIndex) for each of `count` inputs made by `makeInput(i)`, built and run PERTURBATION_CHUNK at a time. */
export async function classProbabilities(runner: ModelRunner, count: number, makeInput: (index: number) => Float32Array, classIndex: number, signal?: AbortSignal): Promise<Float64Array> {
  const out = new Float64Array(count);
  for (let start = 0; start < count; start += PERTURBATION_CHUNK) {
    throwIfAborted(signal);
    const inputs: Float32Array[] = [];
    for (let i = start; i < Math.min(count, start + PERTURBATION_CHUNK); i++) inputs.push(makeInput(i));
    const probs = await runner.predict(inputs, signal);
    probs.forEach((row, k) => (out[start + k] = row[classIndex]));
  }
  return out;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}

/** Seed of the sampling methods (RISE, LIME, KernelSHAP) when none is given. */
export const DEFAULT_EXPLAIN_SEED = 1;
