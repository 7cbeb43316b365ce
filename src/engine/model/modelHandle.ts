// One model as everything in an audit or a worker uses it: the bytes decoded once, the graph index, ONNX Runtime
// sessions (one per set of exposed outputs, shared by inference and the explanation methods), and what the gradient
// graphs derive from it (an opset-raised copy, measured tensor shapes), each made lazily on first use and released together.
// Edited models (a randomised classifier, an opset-raised copy with a gradient graph) are copies; the decoded model
// itself is never changed.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { GraphIndex, type Tensor } from '../explain/headGraph';
import { exposeTensors } from './graphSurgery';
import type { ModelInfo } from './modelTypes';
import { inspectModelBytes, loadModelProto } from './onnxModel';
import { cpuSessionOptions } from './ortSession';

/**
 * Measurements that hold for every variant of one model (same graph, other weights), by input size: tensor shapes, and
 * the values of the non-constant tensors a gradient graph reads as parameters (shape arithmetic such as Slice bounds
 * computed from a Shape, which weights do not change).
 */
export class ShapeStore {
  private readonly shapes = new Map<string, number[]>();
  private readonly values = new Map<string, Tensor>();

  private key(inputDims: number[], name: string): string {
    return `${inputDims.join('x')}\u0000${name}`;
  }

  get(inputDims: number[], name: string): number[] | undefined {
    return this.shapes.get(this.key(inputDims, name));
  }

  set(inputDims: number[], name: string, shape: number[]): void {
    this.shapes.set(this.key(inputDims, name), shape);
  }

  value(inputDims: number[], name: string): Tensor | undefined {
    return this.values.get(this.key(inputDims, name));
  }

  setValue(inputDims: number[], name: string, value: Tensor): void {
    this.values.set(this.key(inputDims, name), value);
  }
}

/**
 * A model parsed once. Open with `ModelHandle.fromBytes` (or `ModelHandle.of` for code that takes bytes or a handle),
 * release with `dispose`. `model()` is shared and must not be edited: use `editableCopy` first.
 */
export class ModelHandle {
  private parsed?: onnx.IModelProto;
  private encoded?: Uint8Array;
  private graphIndex?: GraphIndex;
  private modelInfo?: ModelInfo;
  private readonly digests = new Map<string, string>();
  private readonly sessions = new Map<string, { outputs: Set<string>; session: Promise<ort.InferenceSession> }>();
  private readonly memos = new Map<string, unknown>();
  private readonly variants = new Map<string, ModelHandle>();
  private disposed = false;

  private constructor(readonly file: string, source: { bytes?: Uint8Array; model?: onnx.IModelProto }, readonly shapes: ShapeStore) {
    this.encoded = source.bytes;
    this.parsed = source.model;
  }

  /** A handle on model bytes; they are decoded on first use ('bad-model' then when they are not ONNX). */
  static fromBytes(bytes: Uint8Array, file = 'the model'): ModelHandle {
    return new ModelHandle(file, { bytes }, new ShapeStore());
  }

  /** `source` itself when it is a handle, else a new handle the caller must dispose (see `owned`). */
  static of(source: Uint8Array | ModelHandle, file?: string): { handle: ModelHandle; owned: boolean } {
    return source instanceof ModelHandle ? { handle: source, owned: false } : { handle: ModelHandle.fromBytes(source, file), owned: true };
  }

  /** The model's bytes (encoded once from the edited model for a variant). */
  get bytes(): Uint8Array {
    this.encoded ??= onnx.ModelProto.encode(this.parsed as onnx.IModelProto).finish();
    return this.encoded;
  }

  /** The decoded model, shared: do not edit it (see `editableCopy`). */
  model(): onnx.IModelProto {
    this.parsed ??= loadModelProto(this.bytes, this.file);
    return this.parsed;
  }

  /** The graph index (producers, constants) of `model()`. */
  index(): GraphIndex {
    this.graphIndex ??= new GraphIndex(this.model());
    return this.graphIndex;
  }

  /** Inputs, outputs, opsets, hash and size, as `inspectModelBytes` gives them. */
  info(): ModelInfo {
    this.modelInfo ??= inspectModelBytes(this.bytes, this.file, this.model());
    return this.modelInfo;
  }

  /** The model's bytes with `outputs` also exposed as graph outputs (the same bytes when there are none). */
  exposedBytes(outputs: string[] = []): Uint8Array {
    return outputs.length === 0 ? this.bytes : exposeTensors(this.bytes, outputs, this.model());
  }

  /** The sha256 of `exposedBytes(outputs)`, computed once (the key of caches of what those bytes compute). */
  exposedSha256(outputs: string[] = []): string {
    const key = [...new Set(outputs)].sort().join('\u0000');
    let sha256 = this.digests.get(key);
    if (sha256 === undefined) this.digests.set(key, (sha256 = createHash('sha256').update(this.exposedBytes(outputs)).digest('hex')));
    return sha256;
  }

  /**
   * An inference session exposing at least `outputs` besides the model's own: an open one that does is reused (the
   * audit's inference session, with the features exposed, also serves the explanation runner). The handle owns it.
   */
  session(outputs: string[] = []): Promise<ort.InferenceSession> {
    this.assertOpen();
    for (const entry of this.sessions.values()) if (outputs.every((name) => entry.outputs.has(name))) return entry.session;
    const key = [...new Set(outputs)].sort().join('\u0000');
    const session = ort.InferenceSession.create(this.exposedBytes(outputs), cpuSessionOptions(os.availableParallelism()));
    this.sessions.set(key, { outputs: new Set(outputs), session });
    session.catch(() => this.sessions.delete(key));
    return session;
  }

  /** A value computed once per handle (e.g. an opset-raised copy of the model); `create` runs on first use. */
  memo<T>(key: string, create: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, create());
    return this.memos.get(key) as T;
  }

  /**
   * A handle on an edited copy of this model (made once per key by `edit`, which gets an editable copy), sharing this
   * handle's tensor shapes: the edit must keep the graph and change only weights. Released with this handle.
   */
  variant(key: string, edit: (copy: onnx.IModelProto) => onnx.IModelProto): ModelHandle {
    let variant = this.variants.get(key);
    if (!variant) {
      variant = new ModelHandle(this.file, { model: edit(editableCopy(this.model())) }, this.shapes);
      this.variants.set(key, variant);
    }
    return variant;
  }

  /** Releases every session of this handle and its variants. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const sessions = [...this.sessions.values()];
    const variants = [...this.variants.values()];
    this.sessions.clear();
    this.variants.clear();
    await Promise.all([
      ...sessions.map(async ({ session }) => (await session.catch(() => undefined))?.release().catch(() => undefined)),
      ...variants.map((variant) => variant.dispose()),
    ]);
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error(`The model handle of '${this.file}' was used after it was disposed.`);
  }
}

/**
 * A copy of `model` that callers may edit: the model, its graph, the graph's node, initializer, input, output and
 * value_info lists and the opset entries are new objects; nodes and tensors are shared, so an edit replaces them
 * rather than changing them in place.
 */
export function editableCopy(model: onnx.IModelProto): onnx.IModelProto {
  const graph = model.graph ?? {};
  return {
    ...copyFields(model),
    opsetImport: (model.opsetImport ?? []).map((entry) => ({ ...copyFields(entry) })),
    graph: {
      ...copyFields(graph),
      node: [...(graph.node ?? [])],
      initializer: [...(graph.initializer ?? [])],
      input: [...(graph.input ?? [])],
      output: [...(graph.output ?? [])],
      valueInfo: [...(graph.valueInfo ?? [])],
    },
  };
}

/** The own fields of a decoded message (spread keeps them, but not the defaults protobufjs keeps on the prototype). */
function copyFields<T extends object>(message: T): T {
  return { ...message };
}
