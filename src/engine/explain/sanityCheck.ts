// The model-randomisation sanity check (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): replace the
// classifier head's weights with random ones; a map that reflects what the model learned must change, so its Spearman
// rank correlation with the original map should be low. A map that survives randomisation explains the image, not the model.
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { findPenultimateTensor } from '../model/graphSurgery';
import { loadModelProto } from '../model/onnxModel';
import { mulberry32 } from '../metrics/seededRandom';

/** The weights of the classifier layer (the Gemm/MatMul that reads the penultimate tensor), as an initializer name. */
export function classifierWeightName(model: onnx.IModelProto): string | undefined {
  const graph = model.graph;
  const penultimate = findPenultimateTensor(model);
  if (!graph || !penultimate) return undefined;
  const initializers = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  const consumer = (graph.node ?? []).find((node) => (node.opType === 'Gemm' || node.opType === 'MatMul') && node.input?.includes(penultimate.name));
  return consumer?.input?.find((name) => name !== penultimate.name && name !== undefined && name !== null && initializers.has(name)) ?? undefined;
}

function floatsOf(tensor: onnx.ITensorProto): Float32Array {
  if (tensor.floatData && tensor.floatData.length > 0) return Float32Array.from(tensor.floatData);
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return new Float32Array(0);
}

/**
 * A copy of the model whose classifier weights are drawn from a normal distribution with the original weights' mean and
 * standard deviation (seeded). The input bytes are not changed. 'unsupported-model' when no float classifier layer is found.
 */
export function randomiseClassifier(bytes: Uint8Array, seed = 1): Uint8Array {
  return onnx.ModelProto.encode(randomisedClassifierModel(loadModelProto(bytes), seed)).finish();
}

/**
 * `model` with its classifier weights redrawn as `randomiseClassifier` does; the model's initializer list gets a new
 * tensor object in place of the old one (pass a copy whose lists may be edited, e.g. `editableCopy`), which is kept.
 */
export function randomisedClassifierModel(model: onnx.IModelProto, seed = 1): onnx.IModelProto {
  const name = classifierWeightName(model);
  const initializers = model.graph?.initializer ?? [];
  const position = name === undefined ? -1 : initializers.findIndex((t) => t.name === name);
  const tensor = position < 0 ? undefined : initializers[position];
  if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new FairframeError('unsupported-model', 'The sanity check needs a float Gemm or MatMul classifier layer reading the penultimate features; this model has none.');
  }
  const weights = floatsOf(tensor);
  let mean = 0;
  for (const w of weights) mean += w;
  mean /= Math.max(1, weights.length);
  let variance = 0;
  for (const w of weights) variance += (w - mean) ** 2;
  const std = Math.sqrt(variance / Math.max(1, weights.length)) || 1;
  const random = mulberry32(seed);
  const randomised = new Float32Array(weights.length);
  for (let i = 0; i < randomised.length; i += 2) {
    // Box–Muller: two standard normals from two uniforms.
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    randomised[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < randomised.length) randomised[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  initializers[position] = { ...tensor, floatData: [], rawData: new Uint8Array(randomised.buffer) };
  return model;
}
