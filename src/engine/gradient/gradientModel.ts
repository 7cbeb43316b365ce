// A model and its gradient graph in one ONNX Runtime session: one run gives the score, chosen forward tensors and the
// gradients of the score (weighted by a seed, e.g. a class's one-hot vector) with respect to the chosen sources. The
// shapes the rules need are measured by one probe run of the forward model. The user's file is never changed: every
// edit is made to a copy in memory.
import * as os from 'node:os';
import type { onnx } from 'onnx-proto';
import { onnx as proto } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { FairframeError } from '../errors';
import { GraphIndex, type Tensor } from '../explain/headGraph';
import { withExposedOutputs } from '../model/graphSurgery';
import { editableCopy, ModelHandle, type ShapeStore } from '../model/modelHandle';
import { cpuSessionOptions } from '../model/ortSession';
import { appendGradientGraph, gradientName, gradientPath, SEED_INPUT, type GradientPath, type GradientRequest } from './gradientGraph';
import { raiseOpset } from './opsetUpgrade';

/** A float tensor read back from a run. */
export interface DenseTensor {
  dims: number[];
  data: Float32Array;
}

/** What one gradient run returns. */
export interface GradientRun {
  score: DenseTensor;
  values: Map<string, DenseTensor>;
  gradients: Map<string, DenseTensor>;
}

/** Options of `GradientModel.open`. */
export interface GradientModelOptions extends Partial<GradientRequest> {
  /** Picks the sources and values once the path from the input to the score is known and measured (e.g. Grad-CAM's layer). */
  select?: (model: onnx.IModelProto, path: GradientPath, shapes: Map<string, number[]>, score: string) => { sources: string[]; values?: string[] };
  /** The model's image input (default: its first input). */
  inputName?: string;
  /** The input's dimensions, batch included (e.g. [1, 3, 224, 224]); the gradient graph is built for exactly these. */
  inputDims: number[];
  /** The output whose logits are the score, when `score` is not given (default: the first output). */
  outputName?: string;
  threads?: number;
}

/** The logits: walking back from the output (default: the first) over a final Softmax, LogSoftmax, Identity or Flatten. */
export function logitTensor(model: onnx.IModelProto, outputName?: string): string {
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of model.graph?.node ?? []) for (const output of node.output ?? []) producers.set(output, node);
  let name = outputName ?? model.graph?.output?.[0]?.name ?? '';
  for (let step = 0; step < 8; step++) {
    const node = producers.get(name);
    if (!node || !['Softmax', 'LogSoftmax', 'Identity'].includes(node.opType ?? '')) break;
    name = (node.input ?? [])[0] ?? name;
  }
  return name;
}

/** A session computing a model's score and its gradients; open with `GradientModel.open`, release with `dispose`. */
export class GradientModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputName: string,
    readonly inputDims: number[],
    readonly request: GradientRequest,
    /** Measured shapes of the forward tensors on the gradient path. */
    readonly shapes: Map<string, number[]>,
    /** The model as differentiated (opset raised), for analysis by callers. */
    readonly model: onnx.IModelProto,
  ) {}

  /**
   * Builds the gradient graph of a model (bytes, or a handle whose parsed model, opset-raised copy and measured shapes
   * are reused) for `options` and opens it; 'unsupported-model' names an operator without a rule.
   */
  static async open(source: Uint8Array | ModelHandle, options: GradientModelOptions): Promise<GradientModel> {
    const { handle } = ModelHandle.of(source);
    const model = editableCopy(handle.memo('gradient-opset', () => {
      const raised = editableCopy(handle.model());
      raiseOpset(raised);
      return raised;
    }));
    const inputName = options.inputName ?? (model.graph?.input ?? []).map((i) => i.name ?? '').find((name) => !(model.graph?.initializer ?? []).some((t) => t.name === name)) ?? '';
    const request: GradientRequest = { sources: options.sources ?? [inputName], score: options.score ?? logitTensor(model, options.outputName), values: options.values ?? [], rules: options.rules };
    let path = gradientPath(model, options.select ? [inputName] : request.sources, request.score);
    const threads = options.threads ?? os.availableParallelism();
    const { shapes, values } = await measureShapes(model, inputName, options.inputDims, [...path.tensors, ...(request.values ?? [])], threads, path.parameters, handle.shapes);
    if (options.select) {
      const selected = options.select(model, path, shapes, request.score);
      request.sources = selected.sources;
      request.values = selected.values ?? [];
      path = gradientPath(model, request.sources, request.score);
    }
    appendGradientGraph(model, path, shapes, request, values);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(proto.ModelProto.encode(model).finish(), cpuSessionOptions(threads));
    } catch (error) {
      throw new FairframeError('unsupported-model', `ONNX Runtime could not run the model's gradient graph (${firstLine(error)}).`, { sources: request.sources });
    }
    return new GradientModel(session, inputName, options.inputDims, request, shapes, model);
  }

  /** Runs the forward pass and the gradients of Σ seed ⊙ score; `seed` is a class index (one-hot on the last axis of every row) or a full tensor. */
  async run(input: Float32Array, seed: number | Float32Array): Promise<GradientRun> {
    const scoreDims = this.shapes.get(this.request.score) ?? [];
    const size = scoreDims.reduce((a, b) => a * b, 1);
    let seedData: Float32Array;
    if (typeof seed === 'number') {
      const classes = scoreDims[scoreDims.length - 1] ?? 1;
      if (!Number.isInteger(seed) || seed < 0 || seed >= classes) throw new FairframeError('bad-config', `Class ${seed} cannot be differentiated: the score has ${classes} classes.`);
      seedData = new Float32Array(size);
      for (let row = 0; row < size / classes; row++) seedData[row * classes + seed] = 1;
    } else {
      seedData = seed;
    }
    const feeds = { [this.inputName]: new ort.Tensor('float32', input, this.inputDims), [SEED_INPUT]: new ort.Tensor('float32', seedData, scoreDims) };
    const names = [this.request.score, ...(this.request.values ?? []).filter((v) => v !== this.request.score), ...this.request.sources.map(gradientName)];
    const results = await this.session.run(feeds, names, { logSeverityLevel: 4 });
    const read = (name: string): DenseTensor => {
      const value = results[name] as ort.Tensor;
      return { dims: value.dims.map(Number), data: value.data as Float32Array };
    };
    return {
      score: read(this.request.score),
      values: new Map((this.request.values ?? []).map((name) => [name, read(name)])),
      gradients: new Map(this.request.sources.map((source) => [source, read(gradientName(source))])),
    };
  }

  async dispose(): Promise<void> {
    await this.session.release().catch(() => undefined);
  }
}

/**
 * The shapes of `tensors` and the values of `parameters` that are not constants (e.g. Slice bounds computed from a
 * Shape), measured by running the forward model once on zeros with them exposed as outputs. Shapes already in `store`
 * (measured for an earlier gradient graph of the same model) are not measured again; with all of them known and no
 * parameter to measure, nothing runs.
 */
export async function measureShapes(model: onnx.IModelProto, inputName: string, inputDims: number[], tensors: string[], threads: number, parameters: string[] = [], store?: ShapeStore): Promise<{ shapes: Map<string, number[]>; values: Map<string, Tensor> }> {
  const shapes = new Map<string, number[]>([[inputName, inputDims]]);
  const values = new Map<string, Tensor>();
  const graph = model.graph ?? {};
  const index = new GraphIndex(model);
  const produced = new Set((graph.node ?? []).flatMap((node) => node.output ?? []));
  const wanted: string[] = [];
  for (const name of new Set(tensors)) {
    if (!produced.has(name)) continue;
    const known = store?.get(inputDims, name);
    if (known) shapes.set(name, known);
    else wanted.push(name);
  }
  const tensorSet = new Set(tensors);
  const measured: string[] = [];
  for (const name of new Set(parameters)) {
    if (!produced.has(name) || tensorSet.has(name) || (index.isConstant(name) && foldable(index, name))) continue;
    const known = store?.value(inputDims, name);
    if (known) values.set(name, known);
    else measured.push(name);
  }
  if (wanted.length === 0 && measured.length === 0) return { shapes, values };
  let session: ort.InferenceSession | undefined;
  try {
    const probe = proto.ModelProto.encode(withExposedOutputs(model, [...wanted, ...measured])).finish();
    session = await ort.InferenceSession.create(probe, { ...cpuSessionOptions(threads), graphOptimizationLevel: 'basic' });
    const size = inputDims.reduce((a, b) => a * b, 1);
    const results = await session.run({ [inputName]: new ort.Tensor('float32', new Float32Array(size), inputDims) }, [...wanted, ...measured], { logSeverityLevel: 4 });
    for (const name of wanted) {
      const shape = (results[name] as ort.Tensor).dims.map(Number);
      shapes.set(name, shape);
      store?.set(inputDims, name, shape);
    }
    for (const name of measured) {
      const tensor = results[name] as ort.Tensor;
      const data = Float64Array.from(Array.from(tensor.data as ArrayLike<number | bigint>, Number));
      values.set(name, { shape: tensor.dims.map(Number), data });
      store?.setValue(inputDims, name, { shape: tensor.dims.map(Number), data });
    }
  } catch (error) {
    if (FairframeError.is(error)) throw error;
    throw new FairframeError('unsupported-model', `The model could not be run to measure its tensors for the gradient graph (${firstLine(error)}).`, { inputDims });
  } finally {
    await session?.release().catch(() => undefined);
  }
  return { shapes, values };
}

/** True when `name`, a constant, folds in TypeScript (otherwise, e.g. an Expand of constants, it is measured). */
function foldable(index: GraphIndex, name: string): boolean {
  try {
    index.constant(name, 'Gradient');
    return true;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}
