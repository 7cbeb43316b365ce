// Reads an ONNX graph for the gradient and relevance methods: constant tensors as numbers (initializers, Constant
// nodes, and Reshape/Transpose/… of constants folded), node attributes, and the classifier head that Grad-CAM
// differentiates — from the last convolutional feature map to the class score.
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { int64ToNumber, type Int64 } from '../model/onnxModel';

/** A dense tensor of one image (batch axis kept, = 1) in float64, row-major. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** The fallback named by 'unsupported-model' errors. */
const MODEL_AGNOSTIC_FIX = 'Use a model-agnostic method instead (occlusion, RISE, LIME or SHAP), which only runs the model.';

/** An 'unsupported-model' error: what the method cannot handle, where, and the fix (default: a model-agnostic method). */
export function unsupported(method: string, what: string, details: Record<string, unknown> = {}, fix = MODEL_AGNOSTIC_FIX): FairframeError {
  return new FairframeError('unsupported-model', `${method} cannot explain this model: ${what}. ${fix}`, { method, ...details });
}

/** Producers, consumers and constants of one graph. */
export class GraphIndex {
  readonly graph: onnx.IGraphProto;
  readonly producers = new Map<string, onnx.INodeProto>();
  readonly inputs: string[];
  private readonly constantProtos = new Map<string, onnx.ITensorProto>();
  private readonly constantValues = new Map<string, Tensor>();
  /** Tensors known before any input is seen (initializers, Constant outputs, nodes of constants only). */
  readonly constantNames = new Set<string>();

  constructor(model: onnx.IModelProto) {
    this.graph = model.graph ?? {};
    for (const node of this.graph.node ?? []) for (const output of node.output ?? []) this.producers.set(output, node);
    for (const tensor of this.graph.initializer ?? []) {
      this.constantProtos.set(tensor.name ?? '', tensor);
      this.constantNames.add(tensor.name ?? '');
    }
    this.inputs = (this.graph.input ?? []).map((input) => input.name ?? '').filter((name) => !this.constantNames.has(name));
    let changed = true;
    while (changed) {
      changed = false;
      for (const node of this.graph.node ?? []) {
        const outputs = node.output ?? [];
        if (outputs.every((output) => this.constantNames.has(output))) continue;
        const inputs = (node.input ?? []).filter((input) => input !== '');
        if (node.opType === 'Constant' || (inputs.length > 0 && inputs.every((input) => this.constantNames.has(input)))) {
          for (const output of outputs) this.constantNames.add(output);
          changed = true;
        }
      }
    }
  }

  /** True when `name` is fixed before any input is seen. */
  isConstant(name: string): boolean {
    return this.constantNames.has(name);
  }

  /** The value of a constant tensor; throws 'unsupported-model' when it cannot be read or folded. */
  constant(name: string, method: string): Tensor {
    const cached = this.constantValues.get(name);
    if (cached) return cached;
    const proto = this.constantProtos.get(name);
    let value: Tensor;
    if (proto) {
      value = decodeTensor(proto, method);
    } else {
      const node = this.producers.get(name);
      if (!node || !this.constantNames.has(name)) throw unsupported(method, `the tensor '${name}' is not a constant`);
      value = this.foldConstant(node, method);
    }
    this.constantValues.set(name, value);
    return value;
  }

  private foldConstant(node: onnx.INodeProto, method: string): Tensor {
    const op = node.opType ?? '';
    if (op === 'Constant') {
      const attribute = (node.attribute ?? [])[0];
      if (attribute?.t) return decodeTensor(attribute.t, method);
      if (attribute?.name === 'value_float') return { shape: [], data: Float64Array.of(attribute.f ?? 0) };
      if (attribute?.name === 'value_floats') return { shape: [(attribute.floats ?? []).length], data: Float64Array.from(attribute.floats ?? []) };
      if (attribute?.name === 'value_int') return { shape: [], data: Float64Array.of(int64ToNumber(attribute.i)) };
      if (attribute?.name === 'value_ints') return { shape: [(attribute.ints ?? []).length], data: Float64Array.from((attribute.ints ?? []).map(int64ToNumber)) };
      throw unsupported(method, `the Constant node '${node.name ?? ''}' has no numeric value`);
    }
    const input = this.constant((node.input ?? [])[0] ?? '', method);
    if (op === 'Identity' || op === 'Cast') return input;
    if (op === 'Reshape' || op === 'Flatten' || op === 'Squeeze' || op === 'Unsqueeze') return { shape: reshapeTarget(this, node, input.shape, method), data: input.data };
    if (op === 'Transpose' && input.shape.length === 2) {
      const [rows, columns] = input.shape;
      const data = new Float64Array(rows * columns);
      for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) data[c * rows + r] = input.data[r * columns + c];
      return { shape: [columns, rows], data };
    }
    throw unsupported(method, `the constant '${(node.output ?? [])[0]}' is computed by a ${op} node, which cannot be folded here`, { op });
  }
}

/** A TensorProto's values as float64 (float, double, int32/64, uint8/int8 and their raw_data forms). */
function decodeTensor(proto: onnx.ITensorProto, method: string): Tensor {
  const shape = (proto.dims ?? []).map((dim) => int64ToNumber(dim as Int64));
  const type = proto.dataType ?? 0;
  const T = onnx.TensorProto.DataType;
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw unsupported(method, `the weight '${proto.name ?? ''}' is stored in an external data file`);
  const raw = proto.rawData && proto.rawData.length > 0 ? proto.rawData : undefined;
  let data: Float64Array;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read: Record<number, [number, (offset: number) => number]> = {
      [T.FLOAT]: [4, (o) => view.getFloat32(o, true)], [T.DOUBLE]: [8, (o) => view.getFloat64(o, true)],
      [T.INT32]: [4, (o) => view.getInt32(o, true)], [T.INT64]: [8, (o) => Number(view.getBigInt64(o, true))],
      [T.UINT8]: [1, (o) => view.getUint8(o)], [T.INT8]: [1, (o) => view.getInt8(o)],
    };
    const reader = read[type];
    if (!reader) throw unsupported(method, `the weight '${proto.name ?? ''}' has element type code ${type}; only float32/float64/integer weights are read`);
    data = new Float64Array(raw.byteLength / reader[0]);
    for (let i = 0; i < data.length; i++) data[i] = reader[1](i * reader[0]);
  } else if (type === T.FLOAT) data = Float64Array.from(proto.floatData ?? []);
  else if (type === T.DOUBLE) data = Float64Array.from(proto.doubleData ?? []);
  else if (type === T.INT64) data = Float64Array.from((proto.int64Data ?? []).map((value) => int64ToNumber(value as Int64)));
  else if (type === T.INT32 || type === T.UINT8 || type === T.INT8) data = Float64Array.from(proto.int32Data ?? []);
  else throw unsupported(method, `the weight '${proto.name ?? ''}' has element type code ${type}; only float32/float64/integer weights are read`);
  if (data.length !== sizeOf(shape)) throw unsupported(method, `the weight '${proto.name ?? ''}' holds ${data.length} values for shape [${shape.join(', ')}]`);
  return { shape, data };
}

/** One attribute of a node, or undefined. */
function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((entry) => entry.name === name);
}

/** An INT attribute, or `fallback`. */
export function intAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const value = attribute(node, name);
  return value && value.i !== null && value.i !== undefined ? int64ToNumber(value.i as Int64) : fallback;
}

/** A FLOAT attribute, or `fallback`. */
export function floatAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const value = attribute(node, name);
  return value && value.f !== null && value.f !== undefined ? value.f : fallback;
}

/** An INTS attribute, or undefined when absent. */
export function intsAttribute(node: onnx.INodeProto, name: string): number[] | undefined {
  const value = attribute(node, name);
  return value?.ints && value.ints.length > 0 ? value.ints.map((entry) => int64ToNumber(entry as Int64)) : undefined;
}

/** A STRING attribute, or `fallback`. */
export function stringAttribute(node: onnx.INodeProto, name: string, fallback: string): string {
  const value = attribute(node, name);
  return value?.s && value.s.length > 0 ? Buffer.from(value.s).toString('utf8') : fallback;
}

/** The opset version of the default domain. */
export function defaultOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((opset) => !opset.domain || opset.domain === 'ai.onnx');
  return entry ? int64ToNumber(entry.version as Int64) : 13;
}

/** Output shape of a shape-only node (Flatten, Reshape, Squeeze, Unsqueeze) for an input of `shape`. */
export function reshapeTarget(index: GraphIndex, node: onnx.INodeProto, shape: number[], method: string): number[] {
  const op = node.opType ?? '';
  const inputs = node.input ?? [];
  const axesOf = (rank: number): number[] | undefined => {
    const axes = intsAttribute(node, 'axes') ?? (inputs[1] ? Array.from(index.constant(inputs[1], method).data) : undefined);
    return axes?.map((axis) => (axis < 0 ? axis + rank : axis));
  };
  if (op === 'Flatten') {
    let axis = intAttribute(node, 'axis', 1);
    if (axis < 0) axis += shape.length;
    return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))];
  }
  if (op === 'Squeeze') {
    const axes = axesOf(shape.length);
    return shape.filter((dim, axis) => (axes ? !axes.includes(axis) : dim !== 1));
  }
  if (op === 'Unsqueeze') {
    const count = (intsAttribute(node, 'axes') ?? (inputs[1] ? Array.from(index.constant(inputs[1], method).data) : [])).length;
    const axes = axesOf(shape.length + count) ?? [];
    const out: number[] = [];
    let from = 0;
    for (let axis = 0; axis < shape.length + axes.length; axis++) out.push(axes.includes(axis) ? 1 : shape[from++]);
    return out;
  }
  // Reshape: 0 copies the input dimension (unless allowzero), −1 takes what is left.
  const requested = inputs[1] ? Array.from(index.constant(inputs[1], method).data) : intsAttribute(node, 'shape') ?? [];
  const allowZero = intAttribute(node, 'allowzero', 0) === 1;
  const out = requested.map((dim, axis) => (dim === 0 && !allowZero ? shape[axis] : dim));
  const known = out.filter((dim) => dim !== -1).reduce((product, dim) => product * dim, 1);
  const total = sizeOf(shape);
  const result = out.map((dim) => (dim === -1 ? total / known : dim));
  if (sizeOf(result) !== total || result.some((dim) => !Number.isInteger(dim))) {
    throw unsupported(method, `the Reshape '${node.name ?? ''}' to [${requested.join(', ')}] does not fit a tensor of shape [${shape.join(', ')}]`);
  }
  return result;
}

/** The inputs of a node that carry data (not a Gemm/Conv bias, a Reshape shape or Clip bounds), for walking the graph. */
export function dataInputs(node: onnx.INodeProto): string[] {
  const op = node.opType ?? '';
  const inputs = (node.input ?? []).filter((input) => input !== '');
  if (op === 'Gemm' || op === 'MatMul' || op === 'Add' || op === 'Sub' || op === 'Mul' || op === 'Div') return inputs.slice(0, 2);
  return inputs.slice(0, 1);
}

/** The one non-constant data input of a node, or undefined when it has none or several. */
export function computedInput(index: GraphIndex, node: onnx.INodeProto): string | undefined {
  const computed = dataInputs(node).filter((input) => !index.isConstant(input));
  return computed.length === 1 ? computed[0] : undefined;
}
