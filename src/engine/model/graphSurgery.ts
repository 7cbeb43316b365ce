// Graph surgery on ONNX bytes in memory: exposes intermediate tensors as extra outputs, finds the penultimate features.
import { onnx } from 'onnx-proto';
import { Reader, Writer } from 'protobufjs/minimal';
import { FairframeError } from '../errors';
import { loadModelProto } from './onnxModel';

/** ModelProto.graph and GraphProto.output field numbers (onnx.proto). */
const MODEL_GRAPH_FIELD = 7;
const GRAPH_OUTPUT_FIELD = 12;
const LENGTH_DELIMITED = 2;

/**
 * A copy of the model whose graph outputs also include `tensorNames` (names already outputs are left alone). The
 * type of each new output comes from the graph's value_info when recorded, else its element type is inferred from the
 * producing node and its shape left unknown (onnxruntime accepts outputs without a shape). The input bytes are not
 * changed: the new outputs are appended to the encoded graph, so every other byte of the model, including fields
 * newer than onnx-proto knows, is kept as it was. `decoded` is the model already decoded from `bytes`, if at hand.
 */
export function exposeTensors(bytes: Uint8Array, tensorNames: string[], decoded?: onnx.IModelProto): Uint8Array {
  const model = decoded ?? loadModelProto(bytes);
  const graph = model.graph as onnx.IGraphProto;
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  const produced = new Set((graph.node ?? []).flatMap((node) => node.output ?? []));
  const wanted = [...new Set(tensorNames)].filter((name) => !outputs.has(name));
  if (wanted.length === 0) return new Uint8Array(bytes); // a copy, as for any other call
  const missing = wanted.filter((name) => !produced.has(name));
  if (missing.length > 0) {
    const lastNode = (graph.node ?? [])[(graph.node ?? []).length - 1];
    throw new FairframeError('bad-config',
      `The tensor(s) ${missing.map((name) => `'${name}'`).join(', ')} are not produced by any node of the model's main graph, so they cannot be exposed. ` +
        `Set models[].features to the name of an intermediate tensor (see the model in Netron; the last node writes ${(lastNode?.output ?? []).map((name) => `'${name}'`).join(', ') || 'nothing'}).`,
      { missing });
  }
  const types = new TypeResolver(graph);
  const writer = Writer.create();
  for (const name of wanted) {
    onnx.ValueInfoProto.encode(types.valueInfo(name), writer.uint32((GRAPH_OUTPUT_FIELD << 3) | LENGTH_DELIMITED).fork()).ldelim();
  }
  return appendToGraph(bytes, writer.finish());
}

/**
 * `model` (in memory, not changed) with `tensorNames` also as graph outputs, typed as `exposeTensors` types them: a
 * shallow copy whose graph has a new output list, for a model that is edited in memory anyway (no bytes to keep).
 */
export function withExposedOutputs(model: onnx.IModelProto, tensorNames: string[]): onnx.IModelProto {
  const graph = model.graph ?? {};
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  const types = new TypeResolver(graph);
  const added = [...new Set(tensorNames)].filter((name) => !outputs.has(name)).map((name) => types.valueInfo(name));
  return { ...model, graph: { ...graph, output: [...(graph.output ?? []), ...added] } };
}

/** The model bytes with `extra` (encoded GraphProto fields) appended to the content of its graph field. */
function appendToGraph(bytes: Uint8Array, extra: Uint8Array): Uint8Array {
  const reader = Reader.create(bytes);
  let graph: { start: number; contentStart: number; end: number } | undefined;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 === MODEL_GRAPH_FIELD && (tag & 7) === LENGTH_DELIMITED) {
      const length = reader.uint32();
      const contentStart = reader.pos;
      reader.skip(length);
      graph = { start, contentStart, end: reader.pos }; // the last occurrence is the one decoders keep
    } else {
      reader.skipType(tag & 7);
    }
  }
  if (!graph) throw new FairframeError('internal', 'The model has no graph field to add outputs to.');
  const content = new Uint8Array(graph.end - graph.contentStart + extra.length);
  content.set(bytes.subarray(graph.contentStart, graph.end), 0);
  content.set(extra, graph.end - graph.contentStart);
  const field = Writer.create().uint32((MODEL_GRAPH_FIELD << 3) | LENGTH_DELIMITED).bytes(content).finish();
  const out = new Uint8Array(graph.start + field.length + (bytes.length - graph.end));
  out.set(bytes.subarray(0, graph.start), 0);
  out.set(field, graph.start);
  out.set(bytes.subarray(graph.end), graph.start + field.length);
  return out;
}

/** Operators whose output has an element type fixed by the operator rather than by their first input. */
const FIXED_OUTPUT_TYPES: Record<string, number> = {
  Shape: onnx.TensorProto.DataType.INT64, Size: onnx.TensorProto.DataType.INT64, ArgMax: onnx.TensorProto.DataType.INT64,
  ArgMin: onnx.TensorProto.DataType.INT64, NonZero: onnx.TensorProto.DataType.INT64, NonMaxSuppression: onnx.TensorProto.DataType.INT64,
  Equal: onnx.TensorProto.DataType.BOOL, Less: onnx.TensorProto.DataType.BOOL, LessOrEqual: onnx.TensorProto.DataType.BOOL,
  Greater: onnx.TensorProto.DataType.BOOL, GreaterOrEqual: onnx.TensorProto.DataType.BOOL, Not: onnx.TensorProto.DataType.BOOL,
  And: onnx.TensorProto.DataType.BOOL, Or: onnx.TensorProto.DataType.BOOL, Xor: onnx.TensorProto.DataType.BOOL,
  IsNaN: onnx.TensorProto.DataType.BOOL, IsInf: onnx.TensorProto.DataType.BOOL,
  DequantizeLinear: onnx.TensorProto.DataType.FLOAT,
};

/** Element types of the tensors of one graph: recorded ones first, else inferred over producing nodes. */
class TypeResolver {
  private readonly recorded = new Map<string, onnx.IValueInfoProto>();
  private readonly constants = new Map<string, number>();
  private readonly producers = new Map<string, onnx.INodeProto>();
  private readonly inferred = new Map<string, number>();

  constructor(graph: onnx.IGraphProto) {
    for (const value of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
      if (value.name && value.type?.tensorType) this.recorded.set(value.name, value);
    }
    for (const tensor of graph.initializer ?? []) this.constants.set(tensor.name ?? '', tensor.dataType ?? 0);
    for (const node of graph.node ?? []) for (const output of node.output ?? []) this.producers.set(output, node);
  }

  /** The output entry for `name`: the recorded value_info, else the inferred element type with no shape. */
  valueInfo(name: string): onnx.IValueInfoProto {
    const recorded = this.recorded.get(name);
    if (recorded && (recorded.type?.tensorType?.elemType ?? 0) !== 0) return recorded;
    return { name, type: { tensorType: { elemType: this.elementType(name, 0) || onnx.TensorProto.DataType.FLOAT } } };
  }

  /** Element type code of `name`, or 0 when it cannot be told. */
  private elementType(name: string, depth: number): number {
    const recorded = this.recorded.get(name)?.type?.tensorType?.elemType;
    if (recorded) return recorded;
    const constant = this.constants.get(name);
    if (constant) return constant;
    const cached = this.inferred.get(name);
    if (cached !== undefined) return cached;
    const node = this.producers.get(name);
    if (!node || depth > 200) return 0;
    const type = this.nodeOutputType(node, depth);
    this.inferred.set(name, type);
    return type;
  }

  private nodeOutputType(node: onnx.INodeProto, depth: number): number {
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType ?? '';
    const attribute = (attributeName: string): onnx.IAttributeProto | undefined => (node.attribute ?? []).find((a) => a.name === attributeName);
    if (op === 'Cast') return Number(attribute('to')?.i ?? 0);
    if (op === 'Constant') return attribute('value')?.t?.dataType ?? 0;
    if (op === 'ConstantOfShape') return attribute('value')?.t?.dataType ?? onnx.TensorProto.DataType.FLOAT;
    if (op === 'QuantizeLinear') return (node.input?.[2] ? this.elementType(node.input[2], depth + 1) : 0) || onnx.TensorProto.DataType.UINT8;
    if (op in FIXED_OUTPUT_TYPES) return FIXED_OUTPUT_TYPES[op];
    if (op === 'Where') return this.elementType(node.input?.[1] ?? '', depth + 1);
    const first = (node.input ?? []).find((input) => input !== '');
    return first === undefined ? 0 : this.elementType(first, depth + 1);
  }
}

/** The tensor a classifier head reads, with why it was chosen. */
export interface PenultimateTensor {
  name: string;
  reason: string;
}

/** Operators passed over while walking back from the output through a classifier head. */
const HEAD_OPS = new Set([
  'Softmax', 'LogSoftmax', 'Sigmoid', 'Add', 'Sub', 'Mul', 'Div', 'Identity', 'Dropout', 'Relu', 'LeakyRelu', 'Clip',
  'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Cast', 'BatchNormalization',
]);

/** Head operators of two data inputs, one of which must be a constant. */
const BINARY_OPS = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * The feature vector the classifier reads: walking back from `outputName` (default: the first graph output) through
 * head operators with one non-constant input (Softmax, Add/Sub/Mul/Div with a constant, Flatten/Reshape, Dropout,
 * Identity, Relu, …), the non-constant input of the first Gemm or MatMul met. For a GlobalAveragePool → Flatten → Gemm
 * head that is the flattened pooled features. Undefined when the head has no such layer (e.g. a 1×1 Conv classifier),
 * when a head operator mixes two computed tensors, or when the classifier reads a graph input directly.
 */
export function findPenultimateTensor(model: onnx.IModelProto, outputName?: string): PenultimateTensor | undefined {
  const graph = model.graph;
  if (!graph) return undefined;
  const start = outputName ?? graph.output?.[0]?.name ?? undefined;
  if (!start) return undefined;
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const output of node.output ?? []) producers.set(output, node);
  const constant = constantTensors(graph);
  const graphInputs = new Set((graph.input ?? []).map((input) => input.name ?? ''));
  const path: string[] = [];
  let tensor = start;
  for (let step = 0; step < 64; step++) {
    const node = producers.get(tensor);
    if (!node || (node.domain && node.domain !== 'ai.onnx')) return undefined;
    const op = node.opType ?? '';
    // Gemm's bias and the shape/axes/bounds inputs of single-input operators are not the data that flows through.
    const dataInputs = op === 'Gemm' ? (node.input ?? []).slice(0, 2) : BINARY_OPS.has(op) || op === 'MatMul' ? node.input ?? [] : (node.input ?? []).slice(0, 1);
    const computed = dataInputs.filter((input) => input !== '' && !constant.has(input));
    if (op === 'Gemm' || op === 'MatMul') {
      if (computed.length !== 1 || graphInputs.has(computed[0])) return undefined;
      const via = path.length > 0 ? ` (then ${path.reverse().join(' → ')})` : '';
      return { name: computed[0], reason: `the input of the last ${op}${node.name ? ` '${node.name}'` : ''}${via}, which the classifier reads` };
    }
    if (!HEAD_OPS.has(op) || computed.length !== 1) return undefined;
    path.push(op);
    tensor = computed[0];
  }
  return undefined;
}

/** Names of tensors fixed before any input is seen: initializers, Constant outputs and nodes computed only from them. */
function constantTensors(graph: onnx.IGraphProto): Set<string> {
  const constant = new Set((graph.initializer ?? []).map((tensor) => tensor.name ?? ''));
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of graph.node ?? []) {
      const outputs = node.output ?? [];
      if (outputs.every((output) => constant.has(output))) continue;
      const fromConstants = (node.input ?? []).every((input) => input === '' || constant.has(input));
      if (node.opType === 'Constant' || ((node.input ?? []).length > 0 && fromConstants)) {
        for (const output of outputs) constant.add(output);
        changed = true;
      }
    }
  }
  return constant;
}
