// Layer-wise relevance propagation as modified gradients through the same graph (Montavon et al. 2019): at linear
// layers (Conv, Gemm, MatMul, pooling by averaging, BatchNormalization, Add/Sub/Sum with a residual split in proportion
// to the contributions) R_x = x ⊙ Jᵀ(R / stab(z)), with the ε, γ or αβ rule on weighted layers and the zB rule on the
// convolution reading the input; activations pass relevance through; MaxPool, Concat, Split and reshapes route it as
// the gradient does; a gating Mul (squeeze-excitation, SiLU) gives it all to the gated features.
import type { onnx } from 'onnx-proto';
import type { GradientContext } from './gradientContext';
import { unsupported } from '../explain/headGraph';
import { GRADIENT_RULES, type GradientRule } from './gradientRules';
import { input, output } from './elementwiseRules';

/** The LRP rule and its parameters. */
export interface RelevanceOptions {
  rule: 'epsilon' | 'gamma' | 'alphabeta';
  /** ε of every rule's stabiliser (default 1e-6). */
  epsilon?: number;
  /** γ of the γ-rule (default 0.25). */
  gamma?: number;
  /** α and β of the αβ-rule, α − β = 1 (default 1 and 0). */
  alpha?: number;
  beta?: number;
  /** The image input's name and per-channel value range: the convolution reading it uses the zB rule. */
  input?: string;
  inputBounds?: { low: number[]; high: number[] };
}

const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);
const LINEAR = new Set(['Add', 'Sub', 'Sum', 'Mean', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'ReduceSum', 'BatchNormalization', 'Resize']);
const ROUTED = new Set(['MaxPool', 'GlobalMaxPool', 'Concat', 'Split', 'Slice', 'Gather', 'Pad', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Expand', 'Identity', 'Dropout', 'Cast']);
const GATES = new Set(['Sigmoid', 'HardSigmoid', 'Clip', 'Div', 'Softmax']);

/** z + ε·sign(z), sign(0) = 1. */
function stabilise(ctx: GradientContext, z: string, epsilon: number): string {
  return ctx.op('Add', [z, ctx.op('Where', [ctx.op('Less', [z, ctx.scalar(0)]), ctx.scalar(-epsilon), ctx.scalar(epsilon)])]);
}

/** x ⊙ Jᵀ(R / stab(z)) for each wanted input of `node` (Jᵀ = the node's gradient rule), the generic linear LRP step. */
function linearStep(ctx: GradientContext, node: onnx.INodeProto, r: string, z: string, epsilon: number, wanted: boolean[]): Array<string | undefined> {
  const s = ctx.op('Div', [r, stabilise(ctx, z, epsilon)]);
  const back = GRADIENT_RULES[node.opType ?? ''].backward(node, [s], ctx, wanted);
  return back.map((g, i) => (g !== undefined && wanted[i] ? ctx.op('Mul', [input(node, i), g]) : undefined));
}

/** A copy of a weighted node with other weights (and bias), run forward: its output name, with shapes recorded. */
function variant(ctx: GradientContext, node: onnx.INodeProto, weight: string, bias: string | undefined): { node: onnx.INodeProto; output: string } {
  const inputs = [input(node, 0), weight, ...(bias ? [bias] : [])];
  const out = ctx.fresh(`${node.opType}_variant`);
  const copy: onnx.INodeProto = { ...node, input: inputs, output: [out], name: out };
  ctx.nodes.push(copy);
  ctx.setShape(weight, ctx.shape(input(node, 1)));
  ctx.setShape(out, ctx.shape(output(node)));
  return { node: copy, output: out };
}

/** The LRP rules, by operator, for `options`. */
export function relevanceRules(options: RelevanceOptions): (ctx: GradientContext) => Record<string, GradientRule> {
  const epsilon = options.epsilon ?? 1e-6;
  return (ctx) => {
    const producers = new Map<string, onnx.INodeProto>();
    for (const node of ctx.index.graph.node ?? []) for (const name of node.output ?? []) producers.set(name, node);
    const readsInput = (name: string): boolean => {
      for (let step = 0; step < 4; step++) {
        if (name === options.input) return true;
        const producer = producers.get(name);
        if (!producer || !['Transpose', 'Identity', 'Cast'].includes(producer.opType ?? '')) return false;
        name = input(producer, 0);
      }
      return false;
    };
    const positive = (w: string): string => ctx.op('Relu', [w]);
    const negative = (w: string): string => ctx.op('Neg', [ctx.op('Relu', [ctx.op('Neg', [w])])]);
    const weighted: GradientRule = { inputs: [0], backward: (node, [r], _ctx, wanted) => {
      if (r === undefined) return [undefined];
      const [x, w, b] = [input(node, 0), input(node, 1), input(node, 2) || undefined];
      if (node.opType === 'MatMul' && wanted[0] && wanted[1]) {
        // Attention multiplies two computed tensors; its relevance rules (Ali et al. 2022) are not implemented here.
        throw unsupported('LRP', `the MatMul node '${node.name || output(node)}' multiplies two tensors computed from the input (attention, as in transformers), for which these LRP rules, written for convolutional networks, do not conserve relevance`, { op: 'MatMul', node: node.name },
          'Use Integrated Gradients, gradient × input or Grad-CAM (token map), which differentiate attention exactly.');
      }
      if (!ctx.hasConstant(w)) return linearStep(ctx, node, r, output(node), epsilon, wanted);
      if (node.opType === 'Conv' && options.inputBounds && readsInput(x)) {
        // zB: R_x = x ⊙ Jᵀ_W s − l ⊙ Jᵀ_W+ s − h ⊙ Jᵀ_W− s, s = R / (Wx − W⁺l − W⁻h).
        const channels = ctx.shape(x)[1];
        const bound = (values: number[]): string => ctx.expand(ctx.floats(Array.from({ length: channels }, (_, c) => values[c] ?? values[0] ?? 0), [1, channels, 1, 1]), ctx.shape(x));
        const [low, high] = [bound(options.inputBounds.low), bound(options.inputBounds.high)];
        const [wPlus, wMinus] = [positive(w), negative(w)];
        const z = variant(ctx, node, w, undefined).output;
        const zLow = variant(ctx, { ...node, input: [low, w] }, wPlus, undefined).output;
        const zHigh = variant(ctx, { ...node, input: [high, w] }, wMinus, undefined).output;
        const s = ctx.op('Div', [r, stabilise(ctx, ctx.op('Sub', [ctx.op('Sub', [z, zLow]), zHigh]), epsilon)]);
        const back = (weight: string): string => GRADIENT_RULES.Conv.backward({ ...node, input: [x, weight] }, [s], ctx, [true])[0] as string;
        return [ctx.op('Sub', [ctx.op('Sub', [ctx.op('Mul', [x, back(w)]), ctx.op('Mul', [low, back(wPlus)])]), ctx.op('Mul', [high, back(wMinus)])])];
      }
      if (options.rule === 'gamma') {
        const gamma = ctx.scalar(options.gamma ?? 0.25);
        const lift = (t: string): string => ctx.op('Add', [t, ctx.op('Mul', [gamma, positive(t)])]);
        const modified = variant(ctx, node, lift(w), b ? lift(b) : undefined);
        return linearStep(ctx, modified.node, r, modified.output, epsilon, wanted);
      }
      if (options.rule === 'alphabeta') {
        // z⁺ = Σ (x_i w_ij)⁺ = W⁺x⁺ + W⁻x⁻ (+ b⁺), z⁻ likewise; R_x = α · x ⊙ Jᵀ⁺(R/z⁺) − β · x ⊙ Jᵀ⁻(R/z⁻), each part through its own weights.
        const [alpha, beta] = [options.alpha ?? 1, options.beta ?? 0];
        const [wPlus, wMinus] = [positive(w), negative(w)];
        const [xPlus, xMinus] = [positive(x), negative(x)];
        ctx.setShape(xPlus, ctx.shape(x));
        ctx.setShape(xMinus, ctx.shape(x));
        const side = (pairs: Array<[string, string]>, bias: string | undefined, factor: number): string => {
          const parts = pairs.map(([xs, ws]) => variant(ctx, { ...node, input: [xs, w] }, ws, undefined).output);
          let z = ctx.op('Add', [parts[0], parts[1]]);
          if (bias) z = ctx.op('Add', [z, GRADIENT_RULES.Identity.backward(node, [bias], ctx, [true])[0] as string]);
          const s = ctx.op('Div', [r, stabilise(ctx, z, epsilon)]);
          const back = pairs.map(([xs, ws]) => ctx.op('Mul', [xs, GRADIENT_RULES[node.opType ?? ''].backward({ ...node, input: [xs, ws] }, [s], ctx, [true])[0] as string]));
          return ctx.op('Mul', [ctx.op('Add', [back[0], back[1]]), ctx.scalar(factor)]);
        };
        const plus = side([[xPlus, wPlus], [xMinus, wMinus]], b ? (node.opType === 'Conv' ? ctx.reshape(positive(b), [1, -1, ...ctx.shape(output(node)).slice(2).map(() => 1)]) : positive(b)) : undefined, alpha);
        if (beta === 0) return [plus];
        const minus = side([[xPlus, wMinus], [xMinus, wPlus]], b ? (node.opType === 'Conv' ? ctx.reshape(negative(b), [1, -1, ...ctx.shape(output(node)).slice(2).map(() => 1)]) : negative(b)) : undefined, beta);
        return [ctx.op('Sub', [plus, minus])];
      }
      return linearStep(ctx, node, r, output(node), epsilon, wanted);
    } };
    const linear: (op: string) => GradientRule = (op) => ({ inputs: GRADIENT_RULES[op].inputs, backward: (node, [r], _ctx, wanted) => (r === undefined ? [] : linearStep(ctx, node, r, output(node), epsilon, wanted)) });
    // Mul and Div: a constant factor scales (linear); of two computed inputs, the gate (a sigmoid-like or broadcast one) gets nothing.
    const gating: GradientRule = { inputs: [0, 1], backward: (node, [r], _ctx, wanted) => {
      if (r === undefined) return [];
      if (!(wanted[0] && wanted[1])) return linearStep(ctx, node, r, output(node), epsilon, wanted);
      const size = (t: string): number => ctx.shape(t).reduce((a, b) => a * b, 1);
      const gate = (i: number): boolean => GATES.has(producers.get(input(node, i))?.opType ?? '') || size(input(node, i)) < size(output(node));
      const keep = node.opType === 'Div' ? 0 : gate(0) && !gate(1) ? 1 : 0;
      const g = GRADIENT_RULES.Identity.backward(node, [r], ctx, [true])[0] as string;
      return keep === 0 ? [ctx.unbroadcast(g, ctx.shape(output(node)), ctx.shape(input(node, 0))), undefined] : [undefined, ctx.unbroadcast(g, ctx.shape(output(node)), ctx.shape(input(node, 1)))];
    } };
    const pass: GradientRule = { inputs: [0], backward: (_node, [r]) => [r] };
    const rules: Record<string, GradientRule> = {};
    for (const op of Object.keys(GRADIENT_RULES)) {
      if (WEIGHTED.has(op)) rules[op] = { ...weighted, inputs: GRADIENT_RULES[op].inputs };
      else if (LINEAR.has(op)) rules[op] = linear(op);
      else if (ROUTED.has(op)) rules[op] = GRADIENT_RULES[op];
      else if (op === 'Mul' || op === 'Div') rules[op] = gating;
      else rules[op] = { ...pass, inputs: GRADIENT_RULES[op].inputs };
    }
    return rules;
  };
}
