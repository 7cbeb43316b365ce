// Where the gradient rules write: fresh tensor names, emitted nodes and constants, the static shapes of the forward
// tensors (measured by one probe run), and the helpers every rule shares (reducing a broadcast gradient, reshaping).
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { sizeOf, type GraphIndex, type Tensor } from '../explain/headGraph';

/** An attribute value of an emitted node. */
export type Attr = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string } | { t: onnx.ITensorProto };

/** Prefix of every tensor and node the gradient graph adds, so nothing collides with the model's own names. */
export const GRADIENT_PREFIX = 'fairframe_grad/';

/** Emitted nodes and constants, with the forward graph's shapes and constants to read. */
export class GradientContext {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** Initializer shapes, read from their dims without decoding the values. */
  private readonly initializerShapes = new Map<string, number[]>();

  constructor(readonly index: GraphIndex, private readonly shapes: Map<string, number[]>, private readonly measured = new Map<string, Tensor>()) {
    for (const tensor of index.graph.initializer ?? []) this.initializerShapes.set(tensor.name ?? '', (tensor.dims ?? []).map(Number));
  }

  /** The value of a tensor fixed for this input size: a constant, or one measured by the probe run (e.g. Slice bounds computed from a Shape). */
  constantTensor(name: string): Tensor {
    return this.measured.get(name) ?? this.index.constant(name, 'Gradient');
  }

  /** True when `constantTensor(name)` has a value. */
  hasConstant(name: string): boolean {
    return this.measured.has(name) || this.initializerShapes.has(name) || this.index.isConstant(name);
  }

  /** The shape of a forward tensor (measured, or a constant's). */
  shape(name: string): number[] {
    const shape = this.shapes.get(name);
    if (shape) return shape;
    const initializer = this.initializerShapes.get(name);
    if (initializer) return initializer;
    if (this.hasConstant(name)) return this.constantTensor(name).shape;
    throw new FairframeError('internal', `The shape of tensor '${name}' was not measured.`);
  }

  /** Records the shape of an emitted tensor, for rules that read it later. */
  setShape(name: string, shape: number[]): void {
    this.shapes.set(name, shape);
  }

  /** A name no other tensor has. */
  fresh(hint: string): string {
    return `${GRADIENT_PREFIX}${hint}_${this.counter++}`;
  }

  /** Emits one node and returns its outputs' names (`outputs` of them). */
  emit(opType: string, inputs: string[], attributes: Record<string, Attr> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType));
    const Type = onnx.AttributeProto.AttributeType;
    const attribute = Object.entries(attributes).map(([key, value]): onnx.IAttributeProto => {
      if ('i' in value) return { name: key, type: Type.INT, i: value.i };
      if ('f' in value) return { name: key, type: Type.FLOAT, f: value.f };
      if ('ints' in value) return { name: key, type: Type.INTS, ints: value.ints };
      if ('floats' in value) return { name: key, type: Type.FLOATS, floats: value.floats };
      if ('s' in value) return { name: key, type: Type.STRING, s: Buffer.from(value.s) };
      return { name: key, type: Type.TENSOR, t: value.t };
    });
    this.nodes.push({ opType, input: inputs, output: names, attribute, name: names[0] });
    return names;
  }

  /** Emits one single-output node and returns its output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, Attr> = {}): string {
    return this.emit(opType, inputs, attributes, 1)[0];
  }

  /** A float32 constant. */
  floats(values: ArrayLike<number>, dims: number[]): string {
    const name = this.fresh('const');
    const raw = Buffer.from(Float32Array.from(values as ArrayLike<number>).buffer);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.floats([value], []);
  }

  /** A 1-D int64 constant (shapes, axes, indices) of `dims` (default: its length). */
  ints(values: ArrayLike<number>, dims?: number[]): string {
    const name = this.fresh('ints');
    const raw = Buffer.from(BigInt64Array.from(Array.from(values as ArrayLike<number>, (v) => BigInt(v))).buffer);
    this.initializers.push({ name, dims: dims ?? [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
    return name;
  }

  /** `g` reshaped to `shape`. */
  reshape(g: string, shape: number[]): string {
    return this.op('Reshape', [g, this.ints(shape)]);
  }

  /** `g` broadcast to `shape` (g's shape must broadcast to it). */
  expand(g: string, shape: number[]): string {
    return this.op('Expand', [g, this.ints(shape)]);
  }

  /** A float tensor of zeros of `shape`. */
  zeros(shape: number[]): string {
    const value: onnx.ITensorProto = { dims: [1], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0] };
    return this.op('ConstantOfShape', [this.ints(shape)], { value: { t: value } });
  }

  /** Sum over `axes`, keeping them as size-1 axes when `keep`. */
  reduceSum(g: string, axes: number[], keep: boolean): string {
    return this.op('ReduceSum', [g, this.ints(axes)], { keepdims: { i: keep ? 1 : 0 } });
  }

  /**
   * The gradient of a broadcast operand: `g` (of the op's output shape `from`) summed over the axes the operand was
   * broadcast along (leading axes it lacks, and its size-1 axes), then shaped as the operand (`to`).
   */
  unbroadcast(g: string, from: number[], to: number[]): string {
    if (from.length === to.length && from.every((dim, axis) => dim === to[axis])) return g;
    const lead = from.length - to.length;
    const axes: number[] = [];
    for (let axis = 0; axis < from.length; axis++) {
      const own = axis - lead;
      if (own < 0 || (to[own] === 1 && from[axis] !== 1)) axes.push(axis);
    }
    const summed = axes.length > 0 ? this.reduceSum(g, axes, true) : g;
    return sizeOf(to) === 1 && to.length === 0 ? this.reshape(summed, []) : this.reshape(summed, to);
  }

  /** Sum of several gradient contributions to one tensor. */
  sum(terms: string[]): string {
    return terms.length === 1 ? terms[0] : this.op('Sum', terms);
  }

  /** 1 where `condition` (a bool tensor) holds, else 0, as float, times `g`. */
  mask(g: string, condition: string): string {
    return this.op('Where', [condition, g, this.scalar(0)]);
  }
}
