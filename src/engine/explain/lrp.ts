// Layer-wise relevance propagation on an ONNX classifier: every intermediate activation is exposed as an output and
// computed by onnxruntime in one model call, then the class logit is redistributed backward layer by layer in
// TypeScript (lrpRules) down to the input pixels; the input relevance summed over channels is the map.
import type { onnx } from 'onnx-proto';
import { throwIfAborted } from '../errors';
import { ModelHandle } from '../model/modelHandle';
import type * as ort from 'onnxruntime-node';
import type { ExplainImage, ExplainOptions, Heatmap } from './explainTypes';
import { HeadAutodiff } from './headAutodiff';
import { computedInput, defaultOpset, sizeOf, unsupported, type GraphIndex, type Tensor } from './headGraph';
import { convLayout, poolWindows, type PoolWindows } from './headKernels';
import { argmax } from '../model/softmax';
import { checkClass, createExplainSession, imageFeed, readOutput, withPrepared, type ExplainSessionCache } from './headSession';
import { alphaBetaRule, convMap, denseMap, epsilonRule, maxPoolRule, poolMap, zBRule, type LinearMap } from './lrpRules';

/** Options of `lrp`. */
export interface LrpOptions extends ExplainOptions {
  /** 'epsilon' (default) or 'alphabeta'. */
  rule?: 'epsilon' | 'alphabeta';
  /** ε of the ε-rule (default 1e-6: close to LRP-0). */
  epsilon?: number;
  /** α and β of the αβ-rule, α − β = 1 (default α = 1, β = 0; α = 2, β = 1 is the other common choice). */
  alpha?: number;
  beta?: number;
  /**
   * The range of the model's input values per channel (in the model's channel order), e.g. from the preprocessing:
   * with it the first layer uses the zB-rule for bounded inputs (Montavon et al. 2019) instead of `rule`, which on
   * pixels credits bright areas for being bright.
   */
  inputBounds?: { low: number[]; high: number[] };
  /** Keeps the prepared model across calls (see ExplainSessionCache); without it each call loads and releases the model. */
  sessions?: ExplainSessionCache;
}

const METHOD = 'LRP';
/** Nodes that start a linear layer. */
const LINEAR = new Set(['Conv', 'Gemm', 'MatMul', 'AveragePool', 'GlobalAveragePool']);
/** Element-wise affine nodes folded into the linear layer before them, or handled alone. */
const AFFINE = new Set(['Add', 'Sub', 'Mul', 'Div', 'BatchNormalization']);
/** Nodes relevance passes through unchanged (Relu: the rules of the next layer already use its output). */
const PASS = new Set(['Relu', 'Identity', 'Dropout', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze']);

/** A group of nodes relevance crosses in one step: a linear node with the affine nodes folded into it, or one node. */
interface LrpGroup {
  kind: 'linear' | 'affine' | 'maxpool' | 'pass';
  nodes: onnx.INodeProto[];
  input: string;
  output: string;
}

interface PreparedLrp {
  index: GraphIndex;
  autodiff: HeadAutodiff;
  groups: LrpGroup[];
  imageInput: string;
  score: string;
  session: ort.InferenceSession;
  release(): Promise<void>;
}

/** The chain of layers from the image input to the class score (a final Softmax stepped over), or 'unsupported-model'. */
function planLayers(index: GraphIndex): { groups: LrpGroup[]; score: string } {
  let score = index.graph.output?.[0]?.name ?? '';
  for (let step = 0; step < 8; step++) {
    const node = index.producers.get(score);
    const input = node ? computedInput(index, node) : undefined;
    if (!node || !input || !['Softmax', 'LogSoftmax', 'Identity'].includes(node.opType ?? '')) break;
    score = input;
  }
  const chain: Array<{ node: onnx.INodeProto; input: string }> = [];
  let tensor = score;
  while (!index.inputs.includes(tensor)) {
    const node = index.producers.get(tensor);
    if (!node) throw unsupported(METHOD, `the tensor '${tensor}' is neither computed by a node nor the image input`);
    const op = node.opType ?? '';
    const where = `${op} '${node.name || tensor}'`;
    if ((node.domain && node.domain !== 'ai.onnx') || !(LINEAR.has(op) || AFFINE.has(op) || PASS.has(op) || op === 'MaxPool')) {
      throw unsupported(METHOD, `the graph contains a ${where} node; LRP propagates relevance only through Conv, Gemm, MatMul, Add/Sub/Mul/Div of a constant, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool and Flatten/Reshape`, { op });
    }
    const input = computedInput(index, node);
    if (!input) throw unsupported(METHOD, `the ${where} combines several computed tensors (a residual or branching graph); only a chain of layers is handled`, { op });
    if ((op === 'Conv' || op === 'Gemm' || op === 'MatMul') && (node.input ?? [])[0] !== input) {
      throw unsupported(METHOD, `the ${where} multiplies a constant by the activations; only activations × weights is handled`, { op });
    }
    chain.unshift({ node, input });
    tensor = input;
    if (chain.length > 4096) throw unsupported(METHOD, 'the graph has more than 4096 layers on the path to the class score');
  }
  const groups: LrpGroup[] = [];
  for (const { node, input } of chain) {
    const op = node.opType ?? '';
    const output = (node.output ?? [])[0];
    const last = groups[groups.length - 1];
    if (AFFINE.has(op) && last && (last.kind === 'linear' || last.kind === 'affine')) {
      last.nodes.push(node);
      last.output = output;
      continue;
    }
    const kind = LINEAR.has(op) ? 'linear' : AFFINE.has(op) ? 'affine' : op === 'MaxPool' ? 'maxpool' : 'pass';
    groups.push({ kind, nodes: [node], input, output });
  }
  return { groups, score };
}

async function prepare(source: ModelHandle): Promise<PreparedLrp> {
  const model = source.model();
  const index = source.index();
  const { groups, score } = planLayers(index);
  const exposed = [...new Set(groups.flatMap((group) => [group.input, group.output]).filter((name) => !index.inputs.includes(name)))];
  const session = await createExplainSession(source.exposedBytes(exposed.length > 0 ? exposed : [score]));
  return { index, autodiff: new HeadAutodiff(index, defaultOpset(model), METHOD), groups, imageInput: index.inputs[0], score, session, release: () => session.release() };
}

/**
 * Layer-wise relevance propagation from the class logit y_c (R = y_c at class c, 0 elsewhere) to the input, by the
 * ε-rule or the αβ-rule (lrpRules); Relu and reshapes pass relevance through, max pooling sends it to the window's
 * maximum, a Conv/Gemm/MatMul/AveragePool takes the bias, BatchNormalization or mask after it as one layer. The map is Σ over
 * input channels of R_input; params.conservation = Σ R_input / y_c (1 when nothing is absorbed by biases or ε).
 */
export async function lrp(model: Uint8Array | ModelHandle, image: ExplainImage, options: LrpOptions = {}): Promise<Heatmap> {
  const { handle } = ModelHandle.of(model);
  const rule = options.rule ?? 'epsilon';
  const epsilon = options.epsilon ?? 1e-6;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? alpha - 1;
  if (rule === 'alphabeta' && Math.abs(alpha - beta - 1) > 1e-9) throw unsupported(METHOD, `the αβ-rule needs α − β = 1 (got α = ${alpha}, β = ${beta})`);
  throwIfAborted(options.signal);
  return withPrepared(options.sessions, 'lrp', handle.bytes, () => prepare(handle), async (prepared) => {
    const feed = imageFeed(prepared.index, image);
    const fetches = [...new Set([prepared.score, ...prepared.groups.map((group) => group.output)])];
    const results = await prepared.session.run({ [feed.name]: feed.tensor }, fetches);
    throwIfAborted(options.signal);
    const activation = (name: string): Tensor => (name === prepared.imageInput ? { shape: feed.tensor.dims.map(Number), data: Float64Array.from(image.input) } : readOutput(results, name));
    const score = readOutput(results, prepared.score);
    const classIndex = options.classIndex ?? argmax(score.data);
    checkClass(classIndex, score.data.length);
    // The input layer: the first group that is not a reshape; the zB-rule needs its input to be the image's values.
    const first = prepared.groups.findIndex((group) => group.kind !== 'pass');
    const reshapesOnly = prepared.groups.slice(0, Math.max(0, first)).every((group) => group.nodes.every((node) => node.opType !== 'Relu'));
    const zb = options.inputBounds && first >= 0 && reshapesOnly ? options.inputBounds : undefined;
    let inputRule = 'none';
    let relevance: Float64Array = new Float64Array(score.data.length);
    relevance[classIndex] = score.data[classIndex];
    for (let g = prepared.groups.length - 1; g >= 0; g--) {
      throwIfAborted(options.signal);
      const group = prepared.groups[g];
      if (group.kind === 'pass') continue;
      const x = activation(group.input);
      if (group.kind === 'maxpool') {
        const [, channels, height, width] = spatial(x, group);
        relevance = maxPoolRule(poolWindows(group.nodes[0], height, width, METHOD), channels, height * width, x.data, relevance);
        continue;
      }
      const z = activation(group.output);
      if (group.kind === 'affine') {
        const { scale } = affineOf(prepared, group.nodes, x.shape, z.shape);
        // ε: R_in = s x / (z + ε sign z) · R; αβ: one input per output, so the relevance passes unchanged.
        if (rule === 'epsilon') relevance = relevance.map((r, i) => (r === 0 ? 0 : (scale[i] * x.data[i] * r) / (z.data[i] + (z.data[i] >= 0 ? epsilon : -epsilon))));
        continue;
      }
      const map = linearMap(prepared, group, x);
      const { scale } = affineOf(prepared, group.nodes.slice(1), z.shape, z.shape);
      if (zb && g === first) {
        const bounds = elementBounds(zb, x.data.length, image.channels, feed.layout);
        relevance = zBRule(map, x.data, bounds.low, bounds.high, relevance, scale);
        inputRule = 'zB';
        continue;
      }
      if (g === first) inputRule = rule === 'epsilon' ? 'ε' : 'αβ';
      relevance = rule === 'epsilon' ? epsilonRule(map, x.data, z.data, relevance, epsilon, scale) : alphaBetaRule(map, x.data, relevance, alpha, beta, scale);
    }
    const logit = score.data[classIndex];
    const total = relevance.reduce((sum, r) => sum + r, 0);
    const conservation = logit === 0 ? Number.NaN : total / logit;
    const { width, height, channels } = image;
    const plane = width * height;
    const data = new Float32Array(plane);
    for (let i = 0; i < relevance.length; i++) data[feed.layout === 'NHWC' ? Math.floor(i / channels) : i % plane] += relevance[i];
    const ruleName = rule === 'epsilon' ? `ε-rule (ε = ${epsilon})` : `αβ-rule (α = ${alpha}, β = ${beta})`;
    return {
      method: 'lrp',
      classIndex,
      width,
      height,
      data,
      params: { rule, ...(rule === 'epsilon' ? { epsilon } : { alpha, beta }), inputRule, logit, relevanceSum: total, conservation },
      modelCalls: 1,
      note: `LRP ${ruleName}${inputRule === 'zB' ? ' (zB-rule at the input layer, for pixels bounded by the preprocessing)' : ''} from the class logit ${logit.toPrecision(4)}: the input relevance sums to ${total.toPrecision(4)} ` +
        `(conservation ${Number.isFinite(conservation) ? conservation.toFixed(4) : 'undefined'}${rule === 'epsilon' ? '; the difference is relevance the biases and ε absorb or add' : '; biases are not counted as evidence'}).`,
    };
  });
}

/** Per-element bounds of the input tensor from per-channel ones (NCHW: channel = i / plane; NHWC: i mod channels). */
function elementBounds(bounds: { low: number[]; high: number[] }, size: number, channels: number, layout: 'NCHW' | 'NHWC'): { low: Float64Array; high: Float64Array } {
  const plane = size / channels;
  const low = new Float64Array(size);
  const high = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const c = layout === 'NHWC' ? i % channels : Math.floor(i / plane);
    const a = bounds.low[c] ?? bounds.low[0];
    const b = bounds.high[c] ?? bounds.high[0];
    low[i] = Math.min(a, b);
    high[i] = Math.max(a, b);
  }
  return { low, high };
}

function spatial(x: Tensor, group: LrpGroup): number[] {
  if (x.shape.length !== 4 || x.shape[0] !== 1) throw unsupported(METHOD, `the ${group.nodes[0].opType ?? ''} '${group.nodes[0].name ?? ''}' reads a tensor of shape [${x.shape.join(', ')}], not [1, channels, height, width]`);
  return x.shape;
}

/** The affine nodes as z = scale ⊙ u + shift per element of the output, for u of shape `shape` (a folded layer's output). */
function affineOf(prepared: PreparedLrp, nodes: onnx.INodeProto[], inputShape: number[], outputShape: number[]): { scale: Float64Array; shift: Float64Array } {
  const size = sizeOf(outputShape);
  if (sizeOf(inputShape) !== size) throw unsupported(METHOD, `the ${nodes[0].opType ?? ''} '${nodes[0].name ?? ''}' changes the tensor's size by broadcasting`);
  let scale = new Float64Array(size).fill(1);
  let shift = new Float64Array(size);
  for (const node of nodes) {
    // Each affine node is differentiated as a head step: the step maps u ↦ a·u + b, so b = f(0) and a = f(1) − f(0).
    const step = { node, op: node.opType ?? '', input: (node.input ?? []).find((name) => !prepared.index.isConstant(name)) ?? '', output: (node.output ?? [])[0] ?? '' };
    if (step.op === 'Div' && (node.input ?? [])[0] !== step.input) throw unsupported(METHOD, `the Div '${node.name ?? ''}' divides by the activations, which is not affine`, { op: 'Div' });
    const atZero = prepared.autodiff.forward([step], { shape: outputShape, data: new Float64Array(size) })[1].data;
    const atOne = prepared.autodiff.forward([step], { shape: outputShape, data: new Float64Array(size).fill(1) })[1].data;
    scale = scale.map((s, i) => s * (atOne[i] - atZero[i]));
    shift = shift.map((t, i) => t * (atOne[i] - atZero[i]) + atZero[i]);
  }
  return { scale, shift };
}

/** The linear node of a group, without its bias (the rules read the bias through the layer's output z). */
function linearMap(prepared: PreparedLrp, group: LrpGroup, x: Tensor): LinearMap {
  const node = group.nodes[0];
  const op = node.opType ?? '';
  if (op === 'Conv') {
    const weight = prepared.index.constant((node.input ?? [])[1] ?? '', METHOD);
    return convMap(convLayout(node, spatial(x, group), weight.shape, METHOD), weight.data);
  }
  if (op === 'AveragePool' || op === 'GlobalAveragePool') {
    const [, channels, height, width] = spatial(x, group);
    const pool: PoolWindows = op === 'AveragePool'
      ? poolWindows(node, height, width, METHOD)
      : { geometry: { outHeight: 1, outWidth: 1, kernel: [height, width], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] }, cells: [Int32Array.from({ length: height * width }, (_, i) => i)], divisors: Float64Array.of(height * width) };
    return poolMap(pool, channels, height * width);
  }
  const { rows, inner, columns, weight } = prepared.autodiff.linear({ node, op, input: group.input, output: (node.output ?? [])[0] ?? '' }, x);
  return denseMap(rows, inner, columns, weight);
}
