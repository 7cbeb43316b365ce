// Reads a `.onnx` file into a ModelInfo: inputs, outputs, opsets, weights count and metadata, without running it.
import { plainRecord } from '../dictionary';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { readGuardedFile } from '../io/guardedFile';
import type { ModelInfo, TensorInfo } from './modelTypes';

/** An int64 field as protobufjs decodes it: a number, or a Long when the 'long' package is loadable. */
export type Int64 = number | { toNumber(): number } | null | undefined;

/** An int64 protobuf field as a JavaScript number (0 when absent). */
export function int64ToNumber(value: Int64): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** ONNX TensorProto.DataType code → lower-case element type name (codes 17+ are newer than onnx-proto's enum). */
const ELEMENT_TYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

/** The lower-case name of an ONNX element type code, e.g. 1 → 'float32'. */
export function elementTypeName(code: number | null | undefined): string {
  return ELEMENT_TYPE_NAMES[code ?? 0] ?? `type-${code}`;
}

/** A type that is not a tensor, described in words: 'sequence<float32>', 'map<int64,float32>', 'optional<…>'. */
function typeName(type: onnx.ITypeProto | null | undefined): string {
  if (!type) return 'undefined';
  if (type.tensorType) return elementTypeName(type.tensorType.elemType);
  if (type.sparseTensorType) return `sparse<${elementTypeName(type.sparseTensorType.elemType)}>`;
  if (type.sequenceType) return `sequence<${typeName(type.sequenceType.elemType)}>`;
  if (type.mapType) return `map<${elementTypeName(type.mapType.keyType)},${typeName(type.mapType.valueType)}>`;
  if (type.optionalType) return `optional<${typeName(type.optionalType.elemType)}>`;
  return 'undefined';
}

/**
 * Name, element type and shape of a graph input or output. A dimension is its dim_value (number), its dim_param
 * (string) or null when neither is set; a tensor whose shape is not recorded at all gets shape [].
 */
export function tensorInfoOf(value: onnx.IValueInfoProto): TensorInfo {
  const type = value.type;
  const shape = (type?.tensorType ?? type?.sparseTensorType)?.shape;
  return {
    name: value.name ?? '',
    elementType: typeName(type),
    shape: (shape?.dim ?? []).map((dim) => {
      if (dim.dimValue !== null && dim.dimValue !== undefined) return int64ToNumber(dim.dimValue);
      if (dim.dimParam) return dim.dimParam;
      return null;
    }),
  };
}

/** Files named by initializers that keep their data outside the model (data_location EXTERNAL), deduplicated. */
export function externalDataFiles(model: onnx.IModelProto): string[] {
  const files = new Set<string>();
  const visit = (tensor: onnx.ITensorProto | null | undefined): void => {
    if (tensor?.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const location = (tensor.externalData ?? []).find((entry) => entry.key === 'location')?.value;
    files.add(location ?? '(unnamed)');
  };
  const graph = model.graph;
  for (const tensor of graph?.initializer ?? []) visit(tensor);
  for (const sparse of graph?.sparseInitializer ?? []) visit(sparse.values);
  for (const node of graph?.node ?? []) for (const attribute of node.attribute ?? []) visit(attribute.t);
  return [...files].sort();
}

/**
 * Decodes ONNX bytes with onnx-proto. Throws 'bad-model' when the bytes are empty, truncated or not an ONNX model,
 * naming `file` (shown in the message) and the likely fix.
 */
export function loadModelProto(bytes: Uint8Array, file = 'the model'): onnx.ModelProto {
  const shown = file === 'the model' ? file : `'${file}'`;
  if (bytes.length === 0) {
    throw new FairframeError('bad-model', `The model file ${shown} is empty (0 bytes); export or download it again.`, { file });
  }
  const hint = notOnnxHint(bytes);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new FairframeError('bad-model',
      `The model file ${shown} (${bytes.length} bytes) cannot be read as ONNX: ${(error as Error).message}. ${hint ?? 'It is truncated or not an ONNX model; export or download it again.'}`,
      { file, bytes: bytes.length });
  }
  const irVersion = int64ToNumber(model.irVersion);
  if (irVersion < 1 || !model.graph || (model.graph.output ?? []).length === 0) {
    throw new FairframeError('bad-model',
      `The model file ${shown} (${bytes.length} bytes) is not an ONNX model: it has ${irVersion < 1 ? 'no IR version' : 'no graph outputs'}. ${hint ?? 'Export the model to ONNX (for example with torch.onnx.export) and point Fairframe at the .onnx file.'}`,
      { file, bytes: bytes.length });
  }
  return model;
}

/** A fix for bytes that are recognisably some other kind of file, or undefined. */
function notOnnxHint(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (head.startsWith('version https://git-lfs')) return 'It is a Git LFS pointer, not the model itself; run `git lfs pull` to fetch the file.';
  if (head.startsWith('PK\u0003\u0004')) return 'It is a ZIP archive (a PyTorch .pt/.pth checkpoint or a zipped model?); export the model to ONNX, or unzip it.';
  if (/^\s*</.test(head)) return 'It is an HTML or XML document (a download error page?); download the model again.';
  if (/^\s*[{[]/.test(head)) return 'It is JSON text, not a model; point Fairframe at the .onnx file itself.';
  if (/^[\t\n\r\x20-\x7e]+$/.test(head)) return 'It is a text file, not a model; export the model to ONNX (e.g. with torch.onnx.export) and point Fairframe at that file.';
  return undefined;
}

/** Inspects ONNX bytes already in memory (decoded already as `decoded`, if given); `file` is reported as the model's path. */
export function inspectModelBytes(bytes: Uint8Array, file: string, decoded?: onnx.IModelProto): ModelInfo {
  const model = decoded ?? loadModelProto(bytes, file);
  const external = externalDataFiles(model);
  if (external.length > 0) {
    const base = path.basename(file);
    throw new FairframeError('bad-model',
      `The model '${file}' keeps its weights in external data file(s) (${external.join(', ')}), which Fairframe does not load. ` +
        `Save it as one self-contained file, e.g. python3 -c "import onnx; onnx.save(onnx.load('${base}'), 'single-${base}')", and audit that.`,
      { file, externalData: external });
  }
  const graph = model.graph as onnx.IGraphProto;
  const initializerNames = new Set((graph.initializer ?? []).map((tensor) => tensor.name ?? ''));
  const opTypes: Record<string, number> = Object.create(null);
  for (const node of graph.node ?? []) {
    const op = node.domain ? `${node.domain}.${node.opType ?? ''}` : node.opType ?? '';
    opTypes[op] = (opTypes[op] ?? 0) + 1;
  }
  const metadata: Record<string, string> = Object.create(null);
  for (const entry of model.metadataProps ?? []) metadata[entry.key ?? ''] = entry.value ?? '';
  const modelVersion = int64ToNumber(model.modelVersion);
  return {
    file: path.resolve(file),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    irVersion: int64ToNumber(model.irVersion),
    opsets: (model.opsetImport ?? []).map((opset) => ({ domain: opset.domain ?? '', version: int64ToNumber(opset.version) })),
    producer: { name: model.producerName ?? '', version: model.producerVersion ?? '' },
    domain: model.domain || undefined,
    modelVersion: modelVersion || undefined,
    docString: model.docString || undefined,
    graphName: graph.name || undefined,
    inputs: (graph.input ?? []).filter((input) => !initializerNames.has(input.name ?? '')).map(tensorInfoOf),
    outputs: (graph.output ?? []).map(tensorInfoOf),
    parameterCount: parameterCount(graph),
    nodeCount: (graph.node ?? []).length,
    opTypes: plainRecord(opTypes),
    metadata: plainRecord(metadata),
  };
}

/**
 * Scalar weights in the graph = Σ over initializers of Π dims (a scalar counts 1), plus the stored values of sparse
 * initializers. Shape tensors kept as initializers (e.g. Reshape targets) are counted too, as onnx tools do.
 */
function parameterCount(graph: onnx.IGraphProto): number {
  const elements = (dims: Int64[] | null | undefined): number => (dims ?? []).reduce<number>((product, dim) => product * int64ToNumber(dim), 1);
  let total = 0;
  for (const tensor of graph.initializer ?? []) total += elements(tensor.dims);
  for (const sparse of graph.sparseInitializer ?? []) total += elements(sparse.values?.dims);
  return total;
}

/** Reads `file` once and inspects it. A missing file is 'path-not-found'; a file that is not ONNX is 'bad-model'. */
export async function inspectModel(file: string): Promise<ModelInfo> {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readGuardedFile(absolute, 'model');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FairframeError('path-not-found', `The model file '${absolute}' does not exist; check the path in fairframe.json or on the command line.`, { file: absolute });
    if (code === 'EISDIR') throw new FairframeError('bad-model', `'${absolute}' is a folder, not an .onnx model file; name the .onnx file itself.`, { file: absolute });
    if (FairframeError.is(error)) throw new FairframeError('bad-model', error.message, { file: absolute });
    throw new FairframeError('bad-model', `The model file '${absolute}' cannot be read: ${(error as Error).message}.`, { file: absolute });
  }
  return inspectModelBytes(bytes, absolute);
}
