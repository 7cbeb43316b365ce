// Runs an ONNX image classifier over a dataset's images: checks the model's input against the preprocessing before
// decoding anything, decodes the next batch while the current one runs (at most PREFETCH_BATCHES + 1 batches in
// memory), falls back to one image per run for models that take a batch of 1, turns logits into probabilities,
// and caches predictions per (model, image content). Bad images become per-record failures; a bad model is an error.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { FairframeError, throwIfAborted } from '../errors';
import { throttledProgress } from '../scan/throttledProgress';
import type { ModelSpec, OutputKind, Prediction } from './modelTypes';
import type { PredictionCache } from './predictionCache';
import { predictionSettingsKey } from './predictionCache';
import { decodeForModel, preprocessInto, tensorElementsPerImage, validatePreprocessSpec, writeTensor, type ModelPixels } from './preprocess';
import { detectOutputKind, nonFiniteProblem, softmax, topK } from './softmax';
import { ModelHandle } from './modelHandle';
import { cpuSessionOptions } from './ortSession';

/** Images per model run when the model's batch axis is dynamic and no size is asked for. */
export const DEFAULT_INFERENCE_BATCH_SIZE = 32;
/** Classes kept in Prediction.top. */
export const TOP_CLASSES = 5;
/** New cache entries are written to disk after this many, so an interrupted run keeps its work. */
export const PREDICTION_CACHE_FLUSH_EVERY = 2000;
/** Batches decoded ahead of the one being run: memory stays bounded to this many plus one batch tensors. */
const PREFETCH_BATCHES = 2;

/** One image to run the model on. */
export interface InferenceItem {
  recordId: string;
  path: string;
  /** sha256 of the file's bytes (from the scan): the cache key; images with the same content run once. */
  contentHash: string;
}

/** Progress of the inference stage, in records. */
export interface InferenceProgress {
  stage: 'infer';
  done: number;
  total: number;
  message?: string;
}

/** What a run did. Counts are of distinct images (by content), not records. */
export interface InferenceStats {
  /** Images run through the model in this run. */
  inferred: number;
  /** Images answered from the prediction cache. */
  cacheHits: number;
  /** Model runs (session.run calls). */
  batches: number;
  /** Images per model run at the end of the run (1 after a fallback or for a batch-1 model). */
  batchSize: number;
  /** True when batched runs failed and the model was run one image at a time instead. */
  fellBackToBatch1: boolean;
  /** How the output was read; with nothing run or cached, 'auto' reads as 'logits'. */
  outputKind: OutputKind;
}

/** A record whose image could not be used ('image'), or whose model output held NaN or ±Infinity ('non-finite-output'). */
export interface InferenceFailure {
  recordId: string;
  message: string;
  kind: 'image' | 'non-finite-output';
}

/** Predictions by record id, the records that failed, and what the run did. */
export interface InferenceResult {
  predictions: Map<string, Prediction>;
  failures: InferenceFailure[];
  stats: InferenceStats;
}

/** A change of the decoded pixels before the tensor is written, named by a key that goes into the cache key. */
export interface PixelTransform {
  key: string;
  apply(pixels: ModelPixels, image: { path: string; contentHash: string }): Promise<ModelPixels>;
}

/** Arguments of runInference. */
export interface RunInferenceArgs {
  /** The model: bytes (a session is opened and released by this run), or a handle whose shared session is used. */
  modelBytes: Uint8Array | ModelHandle;
  spec: ModelSpec;
  items: InferenceItem[];
  /** Name of an extra output (e.g. penultimate-layer features) fetched into Prediction.features. */
  featureOutput?: string;
  /** Images per model run for a dynamic batch axis (default DEFAULT_INFERENCE_BATCH_SIZE). */
  batchSize?: number;
  /** ONNX Runtime intra-op threads (default defaultIntraOpThreads()). */
  threads?: number;
  /** Opened with PredictionCache.open for this model's sha256, this spec and the pixel transform's key. */
  cache?: PredictionCache;
  /** Changes each image's decoded, resized pixels before they become the tensor (e.g. a corruption); its key is part of the cache key. */
  pixelTransform?: PixelTransform;
  signal?: AbortSignal;
  onProgress?: (progress: InferenceProgress) => void;
}

/** ONNX Runtime intra-op threads by default: one per core (decoding overlaps, but runs are short and bursty). */
export function defaultIntraOpThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Images decoded at once by default: one per core plus two, to hide file reads, as the scan stage does. libvips keeps
 * its own thread setting (sharp's default for this build), and leaving the global alone cannot disturb a scan running
 * at the same time.
 */
export function defaultDecodeConcurrency(): number {
  return Math.max(2, Math.min(8, os.availableParallelism() + 2));
}

/** How the model's input tensor is shaped and fed. */
interface InputPlan {
  /** The tensor dims for a run of `rows` images. */
  dims(rows: number): number[];
  /** The batch size the model's input requires, when it is fixed. */
  fixedBatch?: number;
  fetches: string[];
}

/** Images with the same content, decoded and run once. */
interface WorkUnit {
  path: string;
  contentHash: string;
  recordIds: string[];
}

interface PreparedBatch {
  /** Units decoded into the buffer, in slot order. */
  units: WorkUnit[];
  buffer: Float32Array | Uint8Array;
  failed: Array<{ unit: WorkUnit; message: string }>;
}

/** Raw output rows of one model run. */
interface RunOutput {
  values: Float32Array;
  classes: number;
  features?: Float32Array;
  featureSize: number;
}

/** A batched run gave an output whose first axis is not the batch: the model works one image at a time. */
class BatchShapeError extends Error {}

/** Runs the model on every item (cached per image content); throws FairframeError 'cancelled' when the signal fires. */
export async function runInference(args: RunInferenceArgs): Promise<InferenceResult> {
  const { spec, signal } = args;
  throwIfAborted(signal);
  validatePreprocessSpec(spec.preprocess);
  const handle = args.modelBytes instanceof ModelHandle ? args.modelBytes : undefined;
  const exposed = args.featureOutput !== undefined ? [args.featureOutput] : [];
  if (args.cache) {
    const modelSha256 = handle ? handle.exposedSha256(exposed) : createHash('sha256').update(args.modelBytes as Uint8Array).digest('hex');
    if (args.cache.modelSha256 !== modelSha256 || args.cache.settingsKey !== predictionSettingsKey(spec, args.pixelTransform?.key)) {
      throw new FairframeError('internal', `The prediction cache '${args.cache.file}' was opened for another model or other settings; open it with PredictionCache.open(cacheDir, <sha256 of the model file>, spec).`);
    }
  }
  // A handle's session (with the feature output exposed) stays open for the explanations that follow; it owns it.
  const session = await createSession(() => handle ? handle.session(exposed) : ort.InferenceSession.create(args.modelBytes as Uint8Array, cpuSessionOptions(args.threads ?? defaultIntraOpThreads())), (handle ? handle.bytes : (args.modelBytes as Uint8Array)).byteLength);
  try {
    const plan = planInput(session, spec, args.featureOutput);
    return await runBatches(session, plan, args);
  } finally {
    if (!handle) await session.release().catch(() => undefined);
  }
}

async function createSession(create: () => Promise<ort.InferenceSession>, bytes: number): Promise<ort.InferenceSession> {
  try {
    return await create();
  } catch (error) {
    throw new FairframeError(
      'bad-model',
      `ONNX Runtime could not load the model (${firstLine(error)}). The file may be truncated, not an ONNX model, or use operators this runtime lacks; re-export or re-download it.`,
      { bytes },
    );
  }
}

/** Checks the model's input and outputs against the spec, before any image is decoded. */
function planInput(session: ort.InferenceSession, spec: ModelSpec, featureOutput: string | undefined): InputPlan {
  const p = spec.preprocess;
  const name = spec.inputName;
  const meta = session.inputMetadata.find((input) => input.name === name);
  if (!meta) {
    throw new FairframeError('bad-config', `The model has no input named '${name}' (its inputs: ${session.inputNames.join(', ') || 'none'}); set the model's inputName to one of them.`);
  }
  const others = session.inputNames.filter((input) => input !== name);
  if (others.length > 0) {
    throw new FairframeError('bad-model', `The model needs inputs besides the image '${name}' (${others.join(', ')}); Fairframe feeds a single image tensor. Export the model with the image as its only input.`);
  }
  if (!meta.isTensor) throw new FairframeError('bad-model', `The model input '${name}' is not a tensor; images can only be fed as a tensor.`);
  if (meta.type !== 'float32' && meta.type !== 'uint8') {
    throw new FairframeError('bad-model', `The model input '${name}' has element type ${meta.type}; images give float32 or uint8 tensors. Export the model with a float32 image input.`);
  }
  if (meta.type !== p.inputType) {
    throw new FairframeError('bad-config', `The model input '${name}' is ${meta.type} but the preprocessing produces ${p.inputType}; set preprocess.inputType to '${meta.type}'.`);
  }
  const shape = meta.shape.length === 0 ? [null, ...(p.layout === 'NCHW' ? [p.channels, p.height, p.width] : [p.height, p.width, p.channels])] : meta.shape;
  const shown = `[${shape.map((dim) => (typeof dim === 'number' ? String(dim) : String(dim ?? '?'))).join(', ')}]`;
  const rank3 = shape.length === 3;
  if (shape.length !== 4 && !(rank3 && p.channels === 1)) {
    throw new FairframeError('bad-model', `The model input '${name}' has shape ${shown}; an image input has 4 axes (batch, channels, height, width in NCHW or NHWC), or 3 for greyscale (batch, height, width).`);
  }
  const channelAxis = rank3 ? undefined : p.layout === 'NCHW' ? 1 : 3;
  const heightAxis = rank3 ? 1 : p.layout === 'NCHW' ? 2 : 1;
  const widthAxis = heightAxis + 1;
  if (channelAxis !== undefined) {
    const channels = shape[channelAxis];
    if (typeof channels === 'number' && channels !== p.channels) {
      const otherAxis = p.layout === 'NCHW' ? 3 : 1;
      const otherLayout = p.layout === 'NCHW' ? 'NHWC' : 'NCHW';
      const layoutHint = shape[otherAxis] === p.channels ? ` Its shape ${shown} reads as ${otherLayout}: set preprocess.layout to '${otherLayout}'.` : '';
      if (channels !== 1 && channels !== 3 && !layoutHint) {
        throw new FairframeError('bad-model', `The model input '${name}' expects ${channels} channels (shape ${shown}); images give 1 (greyscale) or 3 (RGB). Export the model with a 1- or 3-channel input.`);
      }
      throw new FairframeError('bad-config', `The model input '${name}' expects ${channels} channel(s) in ${p.layout} but the preprocessing gives ${p.channels}.${layoutHint || ` Set preprocess.channels to ${channels}.`}`);
    }
  }
  const height = shape[heightAxis];
  const width = shape[widthAxis];
  if ((typeof height === 'number' && height !== p.height) || (typeof width === 'number' && width !== p.width)) {
    throw new FairframeError('bad-config', `The model input '${name}' expects ${String(width ?? '?')}×${String(height ?? '?')} images (shape ${shown}, ${p.layout}) but the preprocessing gives ${p.width}×${p.height}; set preprocess.width and preprocess.height.`);
  }
  const declaredBatch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined;
  const fixedBatch = declaredBatch ?? spec.fixedBatch;
  for (const output of [spec.outputName, ...(featureOutput !== undefined ? [featureOutput] : [])]) {
    if (!session.outputNames.includes(output)) {
      throw new FairframeError('bad-config', `The model has no output named '${output}' (its outputs: ${session.outputNames.join(', ')}); set the output name to one of them.`);
    }
  }
  const dims = (rows: number): number[] => {
    if (rank3) return [rows, p.height, p.width];
    return p.layout === 'NCHW' ? [rows, p.channels, p.height, p.width] : [rows, p.height, p.width, p.channels];
  };
  return { dims, ...(fixedBatch !== undefined ? { fixedBatch } : {}), fetches: featureOutput !== undefined && featureOutput !== spec.outputName ? [spec.outputName, featureOutput] : [spec.outputName] };
}

async function runBatches(session: ort.InferenceSession, plan: InputPlan, args: RunInferenceArgs): Promise<InferenceResult> {
  const { spec, signal, cache, featureOutput } = args;
  const preprocess = spec.preprocess;
  const size = tensorElementsPerImage(preprocess);
  const total = args.items.length;
  const predictions = new Map<string, Prediction>();
  const failures: InferenceFailure[] = [];
  const { onProgress } = args;
  // Every report below is an InferenceProgress, so the cast back is exact.
  const progress = throttledProgress(onProgress ? (report): void => onProgress(report as InferenceProgress) : undefined);
  let message = `Running the model on ${total.toLocaleString('en-US')} images`;
  let done = 0;
  let outputKind: OutputKind | undefined = spec.outputKind === 'auto' ? undefined : spec.outputKind;
  let batchSize = plan.fixedBatch ?? Math.max(1, Math.floor(args.batchSize ?? DEFAULT_INFERENCE_BATCH_SIZE));
  const stats: InferenceStats = { inferred: 0, cacheHits: 0, batches: 0, batchSize, fellBackToBatch1: false, outputKind: outputKind ?? 'logits' };
  progress.flush({ stage: 'infer', done, total, message });

  const resolve = (unit: WorkUnit, probs: Float32Array, features: Float32Array | undefined): void => {
    const top = topK(probs, TOP_CLASSES);
    for (const recordId of unit.recordIds) predictions.set(recordId, { recordId, probs, top, ...(features ? { features } : {}) });
    done += unit.recordIds.length;
  };
  const reject = (unit: WorkUnit, message: string): void => {
    for (const recordId of unit.recordIds) failures.push({ recordId, message, kind: 'non-finite-output' });
    done += unit.recordIds.length;
  };

  // One unit per distinct content; answered from the cache when it can be.
  const units = new Map<string, WorkUnit>();
  for (const item of args.items) {
    const key = item.contentHash ? `sha256:${item.contentHash}` : `path:${item.path}`;
    const unit = units.get(key);
    if (unit) unit.recordIds.push(item.recordId);
    else units.set(key, { path: item.path, contentHash: item.contentHash, recordIds: [item.recordId] });
  }
  const todo: WorkUnit[] = [];
  for (const unit of units.values()) {
    const cached = cache && unit.contentHash ? cache.get(unit.contentHash, featureOutput !== undefined) : undefined;
    if (!cached) {
      todo.push(unit);
      continue;
    }
    outputKind ??= cached.outputKind; // the kind detected when the entries were made
    stats.cacheHits++;
    const problem = nonFiniteProblem(cached.probs);
    if (problem) reject(unit, problem);
    else resolve(unit, cached.probs, cached.features);
  }
  if (stats.cacheHits > 0) progress.flush({ stage: 'infer', done, total, message });

  const batches: WorkUnit[][] = [];
  for (let start = 0; start < todo.length; start += batchSize) batches.push(todo.slice(start, start + batchSize));
  const free: Array<Float32Array | Uint8Array> = [];
  const slots = batchSize;
  const acquire = (): Float32Array | Uint8Array => free.pop() ?? (preprocess.inputType === 'uint8' ? new Uint8Array(slots * size) : new Float32Array(slots * size));
  const decodeConcurrency = defaultDecodeConcurrency();
  const transform = args.pixelTransform;

  const prepareBatch = async (batchUnits: WorkUnit[]): Promise<PreparedBatch> => {
    const buffer = acquire();
    const errors = new Array<string | undefined>(batchUnits.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batchUnits.length && !signal?.aborted) {
        const index = next++;
        try {
          const unit = batchUnits[index];
          if (transform) writeTensor(await transform.apply(await decodeForModel(unit.path, preprocess), unit), preprocess, buffer, index * size);
          else await preprocessInto(buffer, index * size, unit.path, preprocess);
        } catch (error) {
          errors[index] = FairframeError.is(error) ? error.message : `The image could not be preprocessed (${firstLine(error)}).`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(decodeConcurrency, batchUnits.length) }, worker));
    // Move decoded images over the slots of failed ones, so the batch tensor is contiguous.
    const kept: WorkUnit[] = [];
    const failed: PreparedBatch['failed'] = [];
    batchUnits.forEach((unit, index) => {
      const error = errors[index];
      if (error !== undefined) {
        failed.push({ unit, message: error });
        return;
      }
      if (kept.length !== index) buffer.copyWithin(kept.length * size, index * size, (index + 1) * size);
      kept.push(unit);
    });
    return { units: kept, buffer, failed };
  };

  /** Runs `rows` images from `data`; throws BatchShapeError when a batched output does not have one row per image. */
  const runRows = async (data: Float32Array | Uint8Array, rows: number): Promise<RunOutput> => {
    const input = data instanceof Uint8Array ? new ort.Tensor('uint8', data, plan.dims(rows)) : new ort.Tensor('float32', data, plan.dims(rows));
    const results = await session.run({ [spec.inputName]: input }, plan.fetches, { logSeverityLevel: 4 });
    stats.batches++;
    const output = readRows(results[spec.outputName], spec.outputName, rows);
    const features = featureOutput !== undefined ? readRows(results[featureOutput], featureOutput, rows) : undefined;
    return { values: output.values, classes: output.width, ...(features ? { features: features.values } : {}), featureSize: features?.width ?? 0 };
  };

  const runOneByOne = async (batch: PreparedBatch): Promise<RunOutput[]> => {
    const outputs: RunOutput[] = [];
    for (let i = 0; i < batch.units.length; i++) {
      throwIfAborted(signal);
      try {
        outputs.push(await runRows(batch.buffer.subarray(i * size, (i + 1) * size), 1));
      } catch (error) {
        if (FairframeError.is(error)) throw error;
        throw new FairframeError('bad-model', `Running the model on '${batch.units[i].path}' failed (${firstLine(error)}); check the model's input settings (size, layout, channels, normalisation).`);
      }
    }
    return outputs;
  };

  const inferBatch = async (batch: PreparedBatch): Promise<void> => {
    const n = batch.units.length;
    let outputs: Array<{ output: RunOutput; row: number }>;
    if (batchSize === 1) {
      outputs = (await runOneByOne(batch)).map((output) => ({ output, row: 0 }));
    } else {
      // A model fixed to a batch of N gets the last, short batch padded with black images.
      const rows = plan.fixedBatch ?? n;
      if (rows > n) batch.buffer.fill(0, n * size, rows * size);
      try {
        const output = await runRows(batch.buffer.subarray(0, rows * size), rows);
        outputs = batch.units.map((_, row) => ({ output, row }));
      } catch (error) {
        if (FairframeError.is(error)) throw error;
        if (plan.fixedBatch !== undefined) {
          throw new FairframeError('bad-model', `Running the model on a batch of ${rows} failed (${firstLine(error)}); check the model's input settings.`);
        }
        // The runtime refused the batch, or the output had no row per image (BatchShapeError): the model works one
        // image at a time (e.g. a reshape to batch 1 inside). Say so and carry on that way.
        stats.fellBackToBatch1 = true;
        batchSize = 1;
        message += ' (one per run: the model refused a batch)';
        outputs = (await runOneByOne(batch)).map((output) => ({ output, row: 0 }));
      }
    }
    const classes = outputs[0].output.classes;
    if (spec.labels.length > 0 && classes !== spec.labels.length) {
      throw new FairframeError('bad-config', `The model output '${spec.outputName}' gives ${classes} values per image but ${spec.labels.length} labels are declared; declare one label per output class, in output order.`);
    }
    // A row holding NaN or ±Infinity is that image's failure: it tells nothing of the output kind, and is neither
    // cached nor counted as a prediction.
    const rows = outputs.map(({ output, row }) => output.values.subarray(row * output.classes, (row + 1) * output.classes));
    const problems = rows.map((values) => nonFiniteProblem(values));
    if (outputKind === undefined) {
      const finite = rows.filter((_, index) => problems[index] === undefined);
      if (finite.length > 0) outputKind = detectOutputKind(finite);
    }
    outputs.forEach(({ output, row }, index) => {
      const values = rows[index];
      const problem = problems[index];
      if (problem !== undefined) {
        stats.inferred++;
        reject(batch.units[index], problem);
        return;
      }
      const probs = outputKind === 'logits' ? softmax(values) : values.slice();
      const features = output.features?.slice(row * output.featureSize, (row + 1) * output.featureSize);
      const unit = batch.units[index];
      if (cache && unit.contentHash) cache.set(unit.contentHash, { probs, outputKind: outputKind as OutputKind, ...(features ? { features } : {}) });
      stats.inferred++;
      resolve(unit, probs, features);
    });
  };

  // Decode batches one after another, up to PREFETCH_BATCHES ahead of the batch being run.
  const queue: Array<Promise<PreparedBatch>> = [];
  let nextBatch = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const refill = (): void => {
    while (queue.length < PREFETCH_BATCHES && nextBatch < batches.length) {
      const batchUnits = batches[nextBatch++];
      const prepared = chain.then(() => prepareBatch(batchUnits));
      chain = prepared.catch(() => undefined);
      queue.push(prepared);
    }
  };
  let first = true;
  try {
    refill();
    while (queue.length > 0) {
      const batch = await (queue.shift() as Promise<PreparedBatch>);
      refill();
      throwIfAborted(signal);
      for (const { unit, message: text } of batch.failed) {
        for (const recordId of unit.recordIds) failures.push({ recordId, message: text, kind: 'image' });
        done += unit.recordIds.length;
      }
      if (batch.units.length > 0) await inferBatch(batch);
      free.push(batch.buffer);
      // The first batch is always reported, so a slow model shows it has started.
      if (first) progress.flush({ stage: 'infer', done, total, message });
      else progress.report({ stage: 'infer', done, total, message });
      first = false;
      if (cache && cache.pendingCount >= PREDICTION_CACHE_FLUSH_EVERY) await cache.flush();
    }
  } finally {
    await chain; // no decode outlives the run
    if (cache) await cache.flush(); // an interrupted run keeps what it computed
  }
  throwIfAborted(signal);
  stats.batchSize = batchSize;
  stats.outputKind = outputKind ?? 'logits';
  progress.flush({ stage: 'infer', done, total, message });
  return { predictions, failures, stats };
}

/** The rows of one output tensor as float32, `width` values per image. */
function readRows(value: ort.OnnxValue | undefined, name: string, rows: number): { values: Float32Array; width: number } {
  if (!value || !(value instanceof ort.Tensor)) throw new FairframeError('bad-model', `The model returned no tensor for output '${name}'.`);
  let values: Float32Array;
  if (value.type === 'float32') values = value.data as Float32Array;
  else if (value.type === 'float64') values = Float32Array.from(value.data as Float64Array);
  else throw new FairframeError('bad-model', `The model output '${name}' has element type ${value.type}; class scores must be float32 or float64.`);
  const count = values.length;
  // The first axis must be the batch, unless a single image's output has no batch axis at all.
  if (count === 0 || count % rows !== 0 || (rows > 1 && value.dims[0] !== rows)) {
    throw new BatchShapeError(`output '${name}' has shape [${value.dims.join(', ')}] for a batch of ${rows}`);
  }
  return { values, width: count / rows };
}

/** The first line of an error's text, for messages. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}
