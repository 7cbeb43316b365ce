// Builds small ONNX models in memory for tests, with onnx-proto.
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const UINT8 = onnx.TensorProto.DataType.UINT8;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** A dense initializer or constant. */
export function tensor(name: string, dims: number[], values: number[], dataType: number = FLOAT): onnx.ITensorProto {
  if (dataType === INT64) return { name, dims, dataType, int64Data: values };
  if (dataType === FLOAT) return { name, dims, dataType, floatData: values };
  return { name, dims, dataType, int32Data: values };
}

/** A graph input/output/value_info entry; `shape` undefined leaves the shape unrecorded. */
export function valueInfo(name: string, elemType: number, shape?: Array<number | string | null>): onnx.IValueInfoProto {
  const dims = shape?.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : typeof dim === 'string' ? { dimParam: dim } : {}));
  return { name, type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims } } : {}) } } };
}

/** An attribute value: one int, one float, ints, a string or a tensor. */
export type AttributeValue = { i: number } | { f: number } | { ints: number[] } | { s: string } | { t: onnx.ITensorProto };

/** A node with typed attributes. */
export function node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}, name = ''): onnx.INodeProto {
  const Type = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attributes).map(([key, value]): onnx.IAttributeProto => {
    if ('i' in value) return { name: key, type: Type.INT, i: value.i };
    if ('f' in value) return { name: key, type: Type.FLOAT, f: value.f };
    if ('ints' in value) return { name: key, type: Type.INTS, ints: value.ints };
    if ('s' in value) return { name: key, type: Type.STRING, s: Buffer.from(value.s) };
    return { name: key, type: Type.TENSOR, t: value.t };
  });
  return { opType, input: inputs, output: outputs, attribute, name };
}

/** The parts of a model; the rest is filled with plain defaults (IR 7, opset 13). */
export interface ModelParts {
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  nodes: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  valueInfo?: onnx.IValueInfoProto[];
  metadata?: Record<string, string>;
  opset?: number;
  irVersion?: number;
}

/** Encodes a model to bytes. */
export function encodeModel(parts: ModelParts): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: parts.irVersion ?? 7,
    opsetImport: [{ domain: '', version: parts.opset ?? 13 }],
    producerName: 'onnxBuilder',
    producerVersion: '1',
    graph: {
      name: 'test',
      node: parts.nodes,
      input: parts.inputs,
      output: parts.outputs,
      initializer: parts.initializers ?? [],
      valueInfo: parts.valueInfo ?? [],
    },
    metadataProps: Object.entries(parts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  }).finish();
}

/** Deterministic weights in [−0.8, 0.8]. */
export function weights(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, k) => (((k + 1) * 37 + seed * 11) % 17 - 8) / 10);
}

/** Options of `buildClassifier`. */
export interface ClassifierOptions {
  /** Batch dimension: a number or a symbolic name (default 'N'). */
  batch?: number | string;
  channels?: 1 | 3;
  /** Height and width; a string makes them dynamic. */
  size?: number | string;
  classes?: number;
  /** Channels of the conv layer = length of the pooled feature vector. */
  features?: number;
  layout?: 'NCHW' | 'NHWC';
  inputType?: 'float32' | 'uint8';
  softmax?: boolean;
  /** Record value_info for the intermediate tensors (default false). */
  withValueInfo?: boolean;
  metadata?: Record<string, string>;
  inputName?: string;
  outputName?: string;
}

/** A built classifier and its head weights (Gemm with transB = 1: logits = features · Wᵀ + b). */
export interface BuiltClassifier {
  bytes: Uint8Array;
  gemmWeight: number[];
  gemmBias: number[];
  classes: number;
  features: number;
}

/**
 * Conv(3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm [→ Softmax]. An NHWC uint8 input is first Cast to
 * float and Transposed to NCHW. Tensor names: 'conv', 'relu', 'pooled', 'flat', 'logits' ('probs' after Softmax).
 */
export function buildClassifier(options: ClassifierOptions = {}): BuiltClassifier {
  const batch = options.batch ?? 'N';
  const channels = options.channels ?? 3;
  const size = options.size ?? 8;
  const classes = options.classes ?? 3;
  const features = options.features ?? 4;
  const layout = options.layout ?? 'NCHW';
  const inputType = options.inputType === 'uint8' ? UINT8 : FLOAT;
  const inputName = options.inputName ?? 'image';
  const shape = layout === 'NCHW' ? [batch, channels, size, size] : [batch, size, size, channels];
  const nodes: onnx.INodeProto[] = [];
  let current = inputName;
  if (inputType === UINT8) {
    nodes.push(node('Cast', [current], ['asFloat'], { to: { i: FLOAT } }, 'cast'));
    current = 'asFloat';
  }
  if (layout === 'NHWC') {
    nodes.push(node('Transpose', [current], ['nchw'], { perm: { ints: [0, 3, 1, 2] } }, 'toNchw'));
    current = 'nchw';
  }
  const gemmWeight = weights(classes * features, 2);
  const gemmBias = weights(classes, 3);
  nodes.push(
    node('Conv', [current, 'convW', 'convB'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv1'),
    node('Relu', ['conv'], ['relu'], {}, 'relu1'),
    node('GlobalAveragePool', ['relu'], ['pooled'], {}, 'pool'),
    node('Flatten', ['pooled'], ['flat'], { axis: { i: 1 } }, 'flatten'),
    node('Gemm', ['flat', 'fcW', 'fcB'], ['logits'], { transB: { i: 1 } }, 'fc'),
  );
  let output = 'logits';
  if (options.softmax) {
    nodes.push(node('Softmax', ['logits'], ['probs'], { axis: { i: 1 } }, 'softmax'));
    output = 'probs';
  }
  if (options.outputName) {
    nodes.push(node('Identity', [output], [options.outputName], {}, 'rename'));
    output = options.outputName;
  }
  const intermediates = options.withValueInfo
    ? [valueInfo4('conv', batch, features, size), valueInfo4('relu', batch, features, size), valueInfo4('pooled', batch, features, 1), valueInfo('flat', FLOAT, [batch, features])]
    : [];
  const bytes = encodeModel({
    inputs: [valueInfo(inputName, inputType, shape)],
    outputs: [valueInfo(output, FLOAT, [batch, classes])],
    nodes,
    initializers: [
      tensor('convW', [features, channels, 3, 3], weights(features * channels * 9, 1)),
      tensor('convB', [features], weights(features, 4)),
      tensor('fcW', [classes, features], gemmWeight),
      tensor('fcB', [classes], gemmBias),
    ],
    valueInfo: intermediates,
    metadata: options.metadata,
  });
  return { bytes, gemmWeight, gemmBias, classes, features };
}

function valueInfo4(name: string, batch: number | string, channels: number, size: number | string): onnx.IValueInfoProto {
  return valueInfo(name, FLOAT, [batch, channels, size, size]);
}

/** Float values of a TensorProto file (raw_data or float_data). */
export function readTensorFile(file: string): { dims: number[]; values: Float32Array } {
  const proto = onnx.TensorProto.decode(readFileSync(file));
  const dims = proto.dims.map(Number);
  if (proto.rawData && proto.rawData.length > 0) {
    const copy = new Uint8Array(proto.rawData); // aligned copy
    return { dims, values: new Float32Array(copy.buffer, 0, copy.length / 4) };
  }
  return { dims, values: Float32Array.from(proto.floatData) };
}
