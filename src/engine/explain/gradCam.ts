// CAM and Grad-CAM on an ONNX classifier: graph analysis finds the last convolutional feature map feeding the head,
// onnxruntime computes it (exposed as an extra output) in one model call, and the head is differentiated in
// TypeScript (headAutodiff) to weight its channels.
import type { onnx } from 'onnx-proto';
import { throwIfAborted } from '../errors';
import { ModelHandle } from '../model/modelHandle';
import type { ExplainImage, ExplainOptions, Heatmap } from './explainTypes';
import { HEAD_OPERATORS, HeadAutodiff, type HeadStep } from './headAutodiff';
import { computedInput, dataInputs, defaultOpset, GraphIndex, unsupported } from './headGraph';
import { argmax } from '../model/softmax';
import { upsampleBilinear } from './heatmapRender';
import { checkClass, createExplainSession, imageFeed, readOutput, withPrepared, type ExplainSessionCache } from './headSession';
import type * as ort from 'onnxruntime-node';

/** Which output Grad-CAM differentiates: the class logit (default; a final Softmax is stepped over) or its probability. */
export type GradCamTarget = 'logit' | 'probability';

/** Options of `gradCam`. */
export interface GradCamOptions extends ExplainOptions {
  variant?: 'gradcam' | 'cam';
  target?: GradCamTarget;
  /** Keeps the prepared model across calls (see ExplainSessionCache); without it each call loads and releases the model. */
  sessions?: ExplainSessionCache;
}

/** The feature map Grad-CAM weights, the head from it to the class score, and the CAM layer when the head allows CAM. */
export interface CamLayer {
  /** The last 4-D tensor made by a convolution (or a Relu/BatchNormalization/Clip after one) that the head reads. */
  featureMap: string;
  /** Nodes from the feature map to `score`, in forward order. */
  head: HeadStep[];
  /** The tensor differentiated: the graph output, or the input of a final Softmax when differentiating the logit. */
  score: string;
  output: string;
  /** For a GlobalAveragePool followed by linear layers only: the pooled map and that part of the head (CAM needs it). */
  cam?: { featureMap: string; head: HeadStep[] };
}

/** Operators that end a head and are stepped over when the logit is differentiated. */
const OUTPUT_NORMALISERS = new Set(['Softmax', 'LogSoftmax']);
/** Operators after a convolution that keep its output a convolutional feature map. */
const FEATURE_OPERATORS = new Set(['Relu', 'LeakyRelu', 'Clip', 'BatchNormalization', 'Add', 'Sub', 'Mul', 'Div', 'HardSwish', 'Elu', 'Selu', 'PRelu']);
/** Operators CAM allows between the global pooling and the score: the head must be linear in the pooled features. */
const LINEAR_OPERATORS = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'BatchNormalization']);

/** The CAM layer of `model`, or undefined when no convolutional feature map feeds a head of supported operators. */
export function findCamLayer(model: onnx.IModelProto, target: GradCamTarget = 'logit'): CamLayer | undefined {
  const result = analyseHead(new GraphIndex(model), target);
  return 'problem' in result ? undefined : result;
}

/** The CAM layer, or why there is none (with the operator at fault, when one is). */
function analyseHead(index: GraphIndex, target: GradCamTarget): CamLayer | { problem: string; op?: string } {
  const output = index.graph.output?.[0]?.name ?? '';
  const name = (node: onnx.INodeProto): string => `${node.opType ?? ''} '${node.name || (node.output ?? [])[0]}'`;
  let score = output;
  for (let step = 0; step < 8; step++) {
    const node = index.producers.get(score);
    const input = node ? computedInput(index, node) : undefined;
    if (!node || !input || !(node.opType === 'Identity' || (target === 'logit' && OUTPUT_NORMALISERS.has(node.opType ?? '')))) break;
    score = input;
  }
  const head: HeadStep[] = [];
  let tensor = score;
  for (let step = 0; step < 256 && !isConvolutionalFeature(index, tensor, 0); step++) {
    const node = index.producers.get(tensor);
    if (!node) return { problem: `walking back from the class score '${score}' reached the input '${tensor}' without meeting a convolutional feature map (the model has no Conv layer feeding its head)` };
    const op = node.opType ?? '';
    if (node.domain && node.domain !== 'ai.onnx') return { problem: `the head contains the custom operator ${node.domain}.${op}`, op };
    if (!HEAD_OPERATORS.has(op)) return { problem: `the head contains a ${name(node)} node; Grad-CAM differentiates only ${[...HEAD_OPERATORS].join(', ')}`, op };
    const input = computedInput(index, node);
    if (!input) return { problem: `the head's ${name(node)} combines ${dataInputs(node).length} computed tensors; only one data path through the head is differentiated`, op };
    head.unshift({ node, op, input, output: tensor });
    tensor = input;
  }
  if (!isConvolutionalFeature(index, tensor, 0)) return { problem: `no convolutional feature map was found within 256 nodes of the class score '${score}'` };
  if (head.length === 0) return { problem: `the class score '${score}' is itself a convolution output; there is no head to differentiate` };
  const layer: CamLayer = { featureMap: tensor, head, score, output };
  const pool = head.map((step) => step.op).lastIndexOf('GlobalAveragePool');
  if (pool >= 0 && head.slice(pool + 1).every((step) => LINEAR_OPERATORS.has(step.op))) layer.cam = { featureMap: head[pool].input, head: head.slice(pool) };
  return layer;
}

/** True when `name` is a 4-D output of a Conv, or of feature operators (Relu, BatchNormalization, Clip, …) over one. */
function isConvolutionalFeature(index: GraphIndex, name: string, depth: number): boolean {
  const node = index.producers.get(name);
  if (!node || depth > 64 || index.isConstant(name)) return false;
  const op = node.opType ?? '';
  if (op === 'Conv' || op === 'ConvTranspose' || op === 'FusedConv') {
    const weight = (node.input ?? [])[1];
    const dims = (index.graph.initializer ?? []).find((tensor) => tensor.name === weight)?.dims;
    return dims === undefined || dims === null || dims.length === 4;
  }
  if (!FEATURE_OPERATORS.has(op) || (node.domain && node.domain !== 'ai.onnx')) return false;
  return dataInputs(node).some((input) => !index.isConstant(input) && isConvolutionalFeature(index, input, depth + 1));
}

interface PreparedGradCam {
  index: GraphIndex;
  autodiff: HeadAutodiff;
  layer: CamLayer;
  featureMap: string;
  head: HeadStep[];
  session: ort.InferenceSession;
  release(): Promise<void>;
}

async function prepare(source: ModelHandle, variant: 'gradcam' | 'cam', target: GradCamTarget): Promise<PreparedGradCam> {
  const model = source.model();
  const index = source.index();
  const method = variant === 'cam' ? 'CAM' : 'Grad-CAM';
  const layer = analyseHead(index, target);
  if ('problem' in layer) throw unsupported(method, layer.problem, layer.op ? { op: layer.op } : {});
  if (variant === 'cam' && !layer.cam) {
    throw unsupported(method, `CAM needs a GlobalAveragePool followed only by linear layers (Flatten, Gemm, MatMul, Add, …) before the ${target === 'logit' ? 'logit' : 'probability'}; this head is ${layer.head.map((step) => step.op).join(' → ')}`, {},
      "Use variant 'gradcam', which differentiates any head of supported operators, or a model-agnostic method (occlusion, RISE, LIME or SHAP).");
  }
  const chosen = variant === 'cam' && layer.cam ? layer.cam : { featureMap: layer.featureMap, head: layer.head };
  const session = await createExplainSession(source.exposedBytes([chosen.featureMap, layer.score]));
  return { index, autodiff: new HeadAutodiff(index, defaultOpset(model)), layer, featureMap: chosen.featureMap, head: chosen.head, session, release: () => session.release() };
}

/**
 * Grad-CAM (Selvaraju et al. 2017): α_k = mean over (i, j) of ∂y_c/∂A_k(i, j), map = ReLU(Σ_k α_k A_k); or CAM
 * (Zhou et al. 2016) for a GAP → linear head: map = Σ_k w_ck A_k (signed, bias left out). y_c is the class logit
 * unless `target` is 'probability'. The map, at the feature map's resolution, is upsampled bilinearly to the input
 * size. One model call. Throws 'unsupported-model' (naming the operator) when the head cannot be differentiated.
 */
export async function gradCam(model: Uint8Array | ModelHandle, image: ExplainImage, options: GradCamOptions = {}): Promise<Heatmap> {
  const { handle } = ModelHandle.of(model);
  const variant = options.variant ?? 'gradcam';
  const target = options.target ?? 'logit';
  throwIfAborted(options.signal);
  return withPrepared(options.sessions, `${variant}:${target}`, handle.bytes, () => prepare(handle, variant, target), async (prepared) => {
    const method = variant === 'cam' ? 'CAM' : 'Grad-CAM';
    const feed = imageFeed(prepared.index, image);
    const results = await prepared.session.run({ [feed.name]: feed.tensor }, [prepared.featureMap, prepared.layer.score]);
    throwIfAborted(options.signal);
    const features = readOutput(results, prepared.featureMap);
    const score = readOutput(results, prepared.layer.score);
    if (features.shape.length !== 4 || features.shape[0] !== 1) throw unsupported(method, `the feature map '${prepared.featureMap}' has shape [${features.shape.join(', ')}], not [1, channels, height, width]`);
    const values = prepared.autodiff.forward(prepared.head, features);
    const recomputed = values[values.length - 1];
    const tolerance = 1e-3 * (1 + score.data.reduce((max, v) => Math.max(max, Math.abs(v)), 0));
    const gap = recomputed.data.length === score.data.length ? recomputed.data.reduce((max, v, i) => Math.max(max, Math.abs(v - score.data[i])), 0) : Infinity;
    if (!(gap <= tolerance)) {
      throw unsupported(method, `re-running the head (${prepared.head.map((step) => step.op).join(' → ')}) from '${prepared.featureMap}' gives scores that differ from onnxruntime's by ${gap.toPrecision(3)}`);
    }
    const classIndex = options.classIndex ?? argmax(score.data);
    checkClass(classIndex, score.data.length);
    const seed = new Float64Array(score.data.length);
    seed[classIndex] = 1;
    const gradient = prepared.autodiff.backward(prepared.head, values, seed);
    const [, channels, height, width] = features.shape;
    const plane = height * width;
    const map = new Float32Array(plane);
    for (let k = 0; k < channels; k++) {
      let alpha = 0;
      for (let p = 0; p < plane; p++) alpha += gradient[k * plane + p];
      alpha /= plane; // α_k = (1/Z) Σ_ij ∂y_c/∂A_k(i, j)
      if (variant === 'cam') alpha *= plane; // w_ck: for GAP → linear, ∂y_c/∂A_k(i, j) = w_ck / Z everywhere
      if (alpha === 0) continue;
      for (let p = 0; p < plane; p++) map[p] += alpha * features.data[k * plane + p];
    }
    if (variant === 'gradcam') for (let p = 0; p < plane; p++) map[p] = Math.max(0, map[p]);
    const sameLayer = prepared.layer.cam?.featureMap === prepared.layer.featureMap;
    const notes = [
      `${target === 'logit' ? 'Gradient of the class logit' : 'Gradient of the class probability'}${prepared.layer.score !== prepared.layer.output ? ` ('${prepared.layer.score}', before the output's ${target === 'logit' ? 'Softmax' : 'Identity'})` : ''} ` +
        `with respect to '${prepared.featureMap}' (${channels} × ${height} × ${width}), upsampled bilinearly to ${image.width} × ${image.height}.`,
    ];
    if (sameLayer && target === 'logit') notes.push('CAM and Grad-CAM coincide up to scale: GAP → linear head.');
    if (map.every((v) => v === 0)) notes.push('The map is zero everywhere: no channel has positive evidence for this class.');
    return {
      method: variant,
      classIndex,
      width: image.width,
      height: image.height,
      data: upsampleBilinear(map, width, height, image.width, image.height),
      params: { variant, target, featureMap: prepared.featureMap, featureWidth: width, featureHeight: height, score: score.data[classIndex] },
      modelCalls: 1,
      note: notes.join(' '),
    };
  });
}

