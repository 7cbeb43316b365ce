// Reverse-mode differentiation of an ONNX graph: the nodes on the paths from the source tensors to the score are found,
// then walked backwards, each operator's rule appending the nodes of its vector–Jacobian product, so ONNX Runtime
// computes the forward pass and the gradients in one run. Gradients reaching a tensor from several consumers are summed.
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { GraphIndex, unsupported, type Tensor } from '../explain/headGraph';
import { GRADIENT_PREFIX, GradientContext } from './gradientContext';
import { differentiates, GRADIENT_RULES, type GradientRule } from './gradientRules';

/** Operators whose outputs carry no gradient (integers, booleans, shapes, piecewise-constant values). */
const NO_GRADIENT = new Set([
  'Shape', 'Size', 'ArgMax', 'ArgMin', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor',
  'NonZero', 'ConstantOfShape', 'Floor', 'Ceil', 'Round', 'Sign', 'IsNaN', 'IsInf', 'EyeLike', 'RandomNormalLike', 'RandomUniformLike',
]);

/** Element types a gradient flows through. */
const FLOAT_TYPES = new Set([onnx.TensorProto.DataType.FLOAT, onnx.TensorProto.DataType.DOUBLE, onnx.TensorProto.DataType.FLOAT16]);

/** Name of the graph input that takes the score's gradient seed (the one-hot vector of the class, for a class score). */
export const SEED_INPUT = `${GRADIENT_PREFIX}seed`;

/** The graph output holding the gradient of `source`. */
export function gradientName(source: string): string {
  return `${GRADIENT_PREFIX}d/${source}`;
}

/** The nodes through which the score depends on the sources, in forward order, and the tensors on those paths. */
export interface GradientPath {
  nodes: onnx.INodeProto[];
  /** Tensors that depend on a source and reach the score: the ones whose shapes the rules need. */
  tensors: Set<string>;
  /** The other inputs of those nodes (weights, axes, bounds): values the rules may read. */
  parameters: string[];
}

/** Describes a node for messages. */
function describe(node: onnx.INodeProto): string {
  return `${node.opType ?? '?'} node '${node.name || (node.output ?? [])[0]}'`;
}

/** The nodes the gradient must go back through; 'unsupported-model' naming the operator when one has no rule. */
export function gradientPath(model: onnx.IModelProto, sources: string[], score: string): GradientPath {
  const nodes = model.graph?.node ?? [];
  const live = new Set(sources);
  for (const node of nodes) {
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType ?? '';
    if (NO_GRADIENT.has(op) || (op === 'Cast' && !FLOAT_TYPES.has(Number((node.attribute ?? []).find((a) => a.name === 'to')?.i ?? 0)))) continue;
    if ((node.input ?? []).some((name) => live.has(name))) for (const name of (node.output ?? []).slice(0, op === 'MaxPool' ? 1 : undefined)) live.add(name);
  }
  if (!live.has(score)) {
    throw new FairframeError('unsupported-model', `The score '${score}' does not depend on ${sources.map((s) => `'${s}'`).join(', ')}, so it has no gradient with respect to it.`, { score, sources });
  }
  const need = new Set([score]);
  const path: onnx.INodeProto[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    if (!(node.output ?? []).some((name) => need.has(name))) continue;
    const liveInputs = (node.input ?? []).map((name, position) => ({ name, position })).filter(({ name }) => live.has(name));
    if (liveInputs.length === 0) continue;
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType ?? '';
    if (!GRADIENT_RULES[op]) {
      throw unsupported('Gradient', `the ${describe(node)} has no gradient rule (operator '${op}' on the path from ${sources.map((s) => `'${s}'`).join(', ')} to the score)`, { op, node: node.name });
    }
    for (const { name, position } of liveInputs) {
      if (!differentiates(op, position)) {
        throw unsupported('Gradient', `the ${describe(node)} reads the tensor '${name}', which depends on the input, at input ${position}, where only constants are differentiated here`, { op, node: node.name });
      }
      need.add(name);
    }
    path.unshift(node);
  }
  const tensors = new Set<string>();
  const parameters = new Set<string>();
  for (const node of path) {
    for (const name of [...(node.input ?? []), ...(node.output ?? [])]) if (live.has(name)) tensors.add(name);
    for (const name of node.input ?? []) if (name && !live.has(name)) parameters.add(name);
  }
  return { nodes: path, tensors, parameters: [...parameters] };
}

/** What to differentiate. */
export interface GradientRequest {
  /** Tensors whose gradients are wanted: the model input or intermediate feature maps. */
  sources: string[];
  /** The tensor differentiated, weighted by the seed fed as SEED_INPUT (e.g. the logits, seeded with a one-hot class). */
  score: string;
  /** Forward tensors also returned (e.g. the feature map Grad-CAM weights). */
  values?: string[];
  /** Rules to go back with (default: the gradient's); relevance propagation passes its own, with the score times the seed as start. */
  rules?: (ctx: GradientContext) => Readonly<Record<string, GradientRule>>;
}

/**
 * `model` (already at the gradient opset; changed in place) extended with the gradient nodes: a new input SEED_INPUT
 * shaped as the score, and outputs the score, the requested values and `gradientName(source)` for each source.
 * `shapes` holds the measured shape of every tensor of the path.
 */
export function appendGradientGraph(model: onnx.IModelProto, path: GradientPath, shapes: Map<string, number[]>, request: GradientRequest, measured = new Map<string, Tensor>()): void {
  const graph = model.graph ?? (model.graph = {});
  const ctx = new GradientContext(new GraphIndex(model), shapes, measured);
  const rules = request.rules ? request.rules(ctx) : GRADIENT_RULES;
  const start = request.rules ? ctx.op('Mul', [SEED_INPUT, request.score]) : SEED_INPUT;
  const contributions = new Map<string, string[]>([[request.score, [start]]]);
  const totals = new Map<string, string>();
  const total = (name: string): string | undefined => {
    const terms = contributions.get(name);
    if (!terms) return undefined;
    let summed = totals.get(name);
    if (!summed) totals.set(name, (summed = ctx.sum(terms)));
    return summed;
  };
  for (let k = path.nodes.length - 1; k >= 0; k--) {
    const node = path.nodes[k];
    const outputGradients = (node.output ?? []).map(total);
    if (outputGradients.every((g) => g === undefined)) continue;
    const wanted = (node.input ?? []).map((name) => path.tensors.has(name));
    let inputGradients: Array<string | undefined>;
    try {
      inputGradients = rules[node.opType ?? ''].backward(node, outputGradients, ctx, wanted);
    } catch (error) {
      if (FairframeError.is(error)) throw error;
      throw unsupported('Gradient', `the ${describe(node)} is used in a way its gradient rule does not cover (${(error as Error).message})`, { op: node.opType, node: node.name });
    }
    (node.input ?? []).forEach((name, position) => {
      const g = inputGradients[position];
      if (!wanted[position] || g === undefined) return;
      const list = contributions.get(name);
      if (list) list.push(g);
      else contributions.set(name, [g]);
    });
  }
  const floatOutput = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  const outputs: onnx.IValueInfoProto[] = [floatOutput(request.score), ...(request.values ?? []).filter((v) => v !== request.score).map(floatOutput)];
  for (const source of request.sources) {
    const g = total(source);
    if (!g) throw new FairframeError('unsupported-model', `The score '${request.score}' does not depend on '${source}'.`, { source });
    ctx.nodes.push({ opType: 'Identity', input: [g], output: [gradientName(source)], name: gradientName(source) });
    outputs.push(floatOutput(gradientName(source)));
  }
  const scoreShape = shapes.get(request.score) ?? [];
  graph.input = [...(graph.input ?? []), { name: SEED_INPUT, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: scoreShape.map((d) => ({ dimValue: d })) } } } }];
  graph.node = [...(graph.node ?? []), ...ctx.nodes];
  graph.initializer = [...(graph.initializer ?? []), ...ctx.initializers];
  graph.output = outputs;
}
