// Vector–Jacobian products of the elementwise, normalisation and matrix operators, written as ONNX nodes. Each rule
// takes the gradients of a node's outputs and returns those of its inputs; derivatives follow PyTorch's autograd
// conventions at kinks (Relu'(0) = 0, ReLU6 / Clip pass the gradient strictly inside the bounds).
import type { onnx } from 'onnx-proto';
import { floatAttribute, intAttribute, sizeOf } from '../explain/headGraph';
import type { GradientContext } from './gradientContext';
import type { GradientRule } from './gradientRules';

/** Name of input `i` of a node ('' when absent). */
export function input(node: onnx.INodeProto, i: number): string {
  return (node.input ?? [])[i] ?? '';
}

/** Name of output `i` of a node. */
export function output(node: onnx.INodeProto, i = 0): string {
  return (node.output ?? [])[i] ?? '';
}

/** A rule for y = f(x) whose gradient is g · f'(x), with f' written by `derivative` (given x, y and g). */
function unary(derivative: (ctx: GradientContext, x: string, y: string, g: string, node: onnx.INodeProto) => string): GradientRule {
  return { inputs: [0], backward: (node, [g], ctx) => [g === undefined ? undefined : derivative(ctx, input(node, 0), output(node), g, node)] };
}

const identity = unary((_ctx, _x, _y, g) => g);

/** Elementwise rules, by operator. */
export const ELEMENTWISE_RULES: Record<string, GradientRule> = {
  Identity: identity,
  Dropout: identity,
  Cast: identity,
  // Relu: d/dx max(x, 0) = [x > 0].
  Relu: unary((ctx, x, _y, g) => ctx.mask(g, ctx.op('Greater', [x, ctx.scalar(0)]))),
  // LeakyRelu: 1 for x > 0, else alpha.
  LeakyRelu: unary((ctx, x, _y, g, node) => ctx.op('Where', [ctx.op('Greater', [x, ctx.scalar(0)]), g, ctx.op('Mul', [g, ctx.scalar(floatAttribute(node, 'alpha', 0.01))])])),
  // Elu: 1 for x > 0, else y + alpha (= alpha·e^x).
  Elu: unary((ctx, x, y, g, node) => ctx.op('Where', [ctx.op('Greater', [x, ctx.scalar(0)]), g, ctx.op('Mul', [g, ctx.op('Add', [y, ctx.scalar(floatAttribute(node, 'alpha', 1))])])])),
  // Sigmoid: y(1 − y).
  Sigmoid: unary((ctx, _x, y, g) => ctx.op('Mul', [g, ctx.op('Mul', [y, ctx.op('Sub', [ctx.scalar(1), y])])])),
  // Tanh: 1 − y².
  Tanh: unary((ctx, _x, y, g) => ctx.op('Mul', [g, ctx.op('Sub', [ctx.scalar(1), ctx.op('Mul', [y, y])])])),
  // Erf: 2/√π · e^(−x²).
  Erf: unary((ctx, x, _y, g) => ctx.op('Mul', [g, ctx.op('Mul', [ctx.scalar(2 / Math.sqrt(Math.PI)), ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])])])])),
  // HardSigmoid: alpha where 0 < alpha·x + beta < 1, else 0.
  HardSigmoid: unary((ctx, x, _y, g, node) => {
    const alpha = floatAttribute(node, 'alpha', 0.2);
    const z = ctx.op('Add', [ctx.op('Mul', [x, ctx.scalar(alpha)]), ctx.scalar(floatAttribute(node, 'beta', 0.5))]);
    return ctx.mask(ctx.op('Mul', [g, ctx.scalar(alpha)]), ctx.op('And', [ctx.op('Greater', [z, ctx.scalar(0)]), ctx.op('Less', [z, ctx.scalar(1)])]));
  }),
  // HardSwish x·relu6(x + 3)/6: 0 below −3, 1 above 3, x/3 + 1/2 between (PyTorch's hardswish_backward).
  HardSwish: unary((ctx, x, _y, g) => {
    const middle = ctx.op('Mul', [g, ctx.op('Add', [ctx.op('Div', [x, ctx.scalar(3)]), ctx.scalar(0.5)])]);
    const above = ctx.op('Where', [ctx.op('Greater', [x, ctx.scalar(3)]), g, middle]);
    return ctx.mask(above, ctx.op('Greater', [x, ctx.scalar(-3)]));
  }),
  // Softplus log(1 + e^x): sigmoid(x).
  Softplus: unary((ctx, x, _y, g) => ctx.op('Mul', [g, ctx.op('Sigmoid', [x])])),
  // Exp: y.  Log: 1/x.  Sqrt: 1/(2y).  Neg: −1.  Reciprocal: −y².  Abs: sign(x).
  Exp: unary((ctx, _x, y, g) => ctx.op('Mul', [g, y])),
  Log: unary((ctx, x, _y, g) => ctx.op('Div', [g, x])),
  Sqrt: unary((ctx, _x, y, g) => ctx.op('Div', [g, ctx.op('Mul', [y, ctx.scalar(2)])])),
  Neg: unary((ctx, _x, _y, g) => ctx.op('Neg', [g])),
  Reciprocal: unary((ctx, _x, y, g) => ctx.op('Neg', [ctx.op('Mul', [g, ctx.op('Mul', [y, y])])])),
  Abs: unary((ctx, x, _y, g) => ctx.op('Mul', [g, ctx.op('Sign', [x])])),
  // Clip: 1 strictly between the bounds (inputs 1 and 2 from opset 11; absent = unbounded).
  Clip: unary((ctx, x, _y, g, node) => {
    const conditions: string[] = [];
    if (input(node, 1)) conditions.push(ctx.op('Greater', [x, input(node, 1)]));
    if (input(node, 2)) conditions.push(ctx.op('Less', [x, input(node, 2)]));
    if (conditions.length === 0) return g;
    return ctx.mask(g, conditions.length === 1 ? conditions[0] : ctx.op('And', conditions));
  }),
  // PRelu: 1 for x > 0, else the slope (broadcast).
  PRelu: { inputs: [0], backward: (node, [g], ctx) => [g === undefined ? undefined : ctx.op('Where', [ctx.op('Greater', [input(node, 0), ctx.scalar(0)]), g, ctx.op('Mul', [g, input(node, 1)])])] },
  // Pow x^p (exponent constant): p·x^(p−1).
  Pow: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const [x, p] = [input(node, 0), input(node, 1)];
    const local = ctx.op('Mul', [p, ctx.op('Pow', [x, ctx.op('Sub', [p, ctx.op('CastLike', [ctx.scalar(1), p])])])]);
    return [ctx.unbroadcast(ctx.op('Mul', [g, ctx.op('CastLike', [local, g])]), ctx.shape(output(node)), ctx.shape(x))];
  } },
  Add: binary((_ctx, g) => [g, g]),
  Sub: binary((ctx, g) => [g, ctx.op('Neg', [g])]),
  // Mul a·b: (g·b, g·a).
  Mul: binary((ctx, g, a, b) => [ctx.op('Mul', [g, b]), ctx.op('Mul', [g, a])]),
  // Div a/b: (g/b, −g·a/b²).
  Div: binary((ctx, g, a, b) => [ctx.op('Div', [g, b]), ctx.op('Neg', [ctx.op('Div', [ctx.op('Mul', [g, a]), ctx.op('Mul', [b, b])])])]),
  // Sum of any number of inputs, each broadcast: g reduced to each input's shape.
  Sum: { inputs: 'all', backward: (node, [g], ctx, wanted) => (node.input ?? []).map((x, i) => (g === undefined || !wanted[i] ? undefined : ctx.unbroadcast(g, ctx.shape(output(node)), ctx.shape(x)))) },
  Mean: { inputs: 'all', backward: (node, [g], ctx, wanted) => {
    const scaled = g === undefined ? undefined : ctx.op('Div', [g, ctx.scalar((node.input ?? []).length)]);
    return (node.input ?? []).map((x, i) => (scaled === undefined || !wanted[i] ? undefined : ctx.unbroadcast(scaled, ctx.shape(output(node)), ctx.shape(x))));
  } },
};

/** A rule for a broadcasting binary operator whose local gradients `local(g, a, b)` are then reduced to each input's shape. */
function binary(local: (ctx: GradientContext, g: string, a: string, b: string) => [string, string]): GradientRule {
  return {
    inputs: [0, 1],
    backward: (node, [g], ctx, wanted) => {
      if (g === undefined) return [undefined, undefined];
      const [a, b] = [input(node, 0), input(node, 1)];
      // Only the wanted side is emitted: a constant operand needs no gradient.
      const emitted = new LazyPair(() => local(ctx, g, a, b));
      const y = ctx.shape(output(node));
      return [wanted[0] ? ctx.unbroadcast(emitted.get(0), y, ctx.shape(a)) : undefined, wanted[1] ? ctx.unbroadcast(emitted.get(1), y, ctx.shape(b)) : undefined];
    },
  };
}

/** Emits a pair of local gradients once, on first use. */
class LazyPair {
  private pair?: [string, string];
  constructor(private readonly make: () => [string, string]) {}
  get(i: 0 | 1): string {
    this.pair ??= this.make();
    return this.pair[i];
  }
}

/** Normalisation, softmax, reduction and matrix rules, by operator. */
export const LINEAR_ALGEBRA_RULES: Record<string, GradientRule> = {
  // Softmax over one axis (opset 13): y ⊙ (g − Σ g ⊙ y).
  Softmax: unary((ctx, _x, y, g, node) => {
    const axis = intAttribute(node, 'axis', -1);
    return ctx.op('Mul', [y, ctx.op('Sub', [g, ctx.reduceSum(ctx.op('Mul', [g, y]), [axis], true)])]);
  }),
  // LogSoftmax: g − e^y · Σ g.
  LogSoftmax: unary((ctx, _x, y, g, node) => ctx.op('Sub', [g, ctx.op('Mul', [ctx.op('Exp', [y]), ctx.reduceSum(g, [intAttribute(node, 'axis', -1)], true)])])),
  // BatchNormalization (inference): g · scale / √(var + ε), per channel (axis 1).
  BatchNormalization: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const rank = ctx.shape(input(node, 0)).length;
    const factor = ctx.op('Div', [input(node, 1), ctx.op('Sqrt', [ctx.op('Add', [input(node, 4), ctx.scalar(floatAttribute(node, 'epsilon', 1e-5))])])]);
    const channels = ctx.shape(input(node, 1))[0];
    return [ctx.op('Mul', [g, ctx.reshape(factor, [channels, ...Array.from({ length: Math.max(0, rank - 2) }, () => 1)])])];
  } },
  // LayerNormalization over axes axis…rank−1: (1/σ)(ĝ − mean ĝ − x̂ · mean(ĝ x̂)), ĝ = g · scale, x̂ = (x − μ)/σ.
  LayerNormalization: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const x = input(node, 0);
    const shape = ctx.shape(x);
    let axis = intAttribute(node, 'axis', -1);
    if (axis < 0) axis += shape.length;
    const axes = Array.from({ length: shape.length - axis }, (_, k) => axis + k);
    const n = ctx.scalar(sizeOf(shape.slice(axis)));
    const mean = (t: string): string => ctx.op('Div', [ctx.reduceSum(t, axes, true), n]);
    const centred = ctx.op('Sub', [x, mean(x)]);
    const inverse = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [mean(ctx.op('Mul', [centred, centred])), ctx.scalar(floatAttribute(node, 'epsilon', 1e-5))])])]);
    const normal = ctx.op('Mul', [centred, inverse]);
    const scaled = input(node, 1) ? ctx.op('Mul', [g, input(node, 1)]) : g;
    const inner = ctx.op('Sub', [ctx.op('Sub', [scaled, mean(scaled)]), ctx.op('Mul', [normal, mean(ctx.op('Mul', [scaled, normal]))])]);
    return [ctx.op('Mul', [inverse, inner])];
  } },
  ReduceMean: reduction(true),
  ReduceSum: reduction(false),
  // MatMul a @ b (NumPy semantics, ranks ≥ 2): (g @ bᵀ, aᵀ @ g), each reduced to its operand's shape.
  MatMul: { inputs: [0, 1], backward: (node, [g], ctx, wanted) => {
    if (g === undefined) return [undefined, undefined];
    const [a, b] = [input(node, 0), input(node, 1)];
    const [shapeA, shapeB, shapeY] = [ctx.shape(a), ctx.shape(b), ctx.shape(output(node))];
    if (shapeA.length < 2 || shapeB.length < 2) throw new Error('MatMul with a 1-D operand');
    const swap = (t: string, rank: number): string => ctx.op('Transpose', [t], { perm: { ints: [...Array.from({ length: rank - 2 }, (_, k) => k), rank - 1, rank - 2] } });
    return [
      wanted[0] ? ctx.unbroadcast(ctx.op('MatMul', [g, swap(b, shapeB.length)]), [...shapeY.slice(0, -2), shapeA[shapeA.length - 2], shapeA[shapeA.length - 1]], shapeA) : undefined,
      wanted[1] ? ctx.unbroadcast(ctx.op('MatMul', [swap(a, shapeA.length), g]), [...shapeY.slice(0, -2), shapeB[shapeB.length - 2], shapeB[shapeB.length - 1]], shapeB) : undefined,
    ];
  } },
  // Gemm y = alpha · A'B' + beta · C: dA' = alpha · g B'ᵀ, dB' = alpha · A'ᵀ g (transposed back when trans*), dC = beta · g reduced.
  Gemm: { inputs: [0, 1, 2], backward: (node, [g], ctx, wanted) => {
    if (g === undefined) return [undefined, undefined, undefined];
    const [a, b, c] = [input(node, 0), input(node, 1), input(node, 2)];
    const alpha = floatAttribute(node, 'alpha', 1);
    const [transA, transB] = [intAttribute(node, 'transA', 0), intAttribute(node, 'transB', 0)];
    const gemm = (p: string, q: string, tp: number, tq: number): string => ctx.op('Gemm', [p, q], { alpha: { f: alpha }, transA: { i: tp }, transB: { i: tq } });
    // A' = op(A): dA = g·op(B)ᵀ, or its transpose (op(B)·gᵀ) when transA.
    const gradA = !wanted[0] ? undefined : transA ? gemm(b, g, transB, 1) : gemm(g, b, 0, transB ? 0 : 1);
    const gradB = !wanted[1] ? undefined : transB ? gemm(g, a, 1, transA) : gemm(a, g, transA ? 0 : 1, 0);
    const gradC = !wanted[2] || !c ? undefined : ctx.unbroadcast(ctx.op('Mul', [g, ctx.scalar(floatAttribute(node, 'beta', 1))]), ctx.shape(output(node)), ctx.shape(c));
    return [gradA, gradB, gradC];
  } },
};

/** ReduceMean / ReduceSum over the `axes` attribute (or input, opset 13/18 on): g broadcast back over the reduced axes (÷ their size for the mean). */
function reduction(mean: boolean): GradientRule {
  return { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const x = input(node, 0);
    const shape = ctx.shape(x);
    const given = (node.attribute ?? []).find((a) => a.name === 'axes')?.ints?.map(Number) ?? (input(node, 1) ? Array.from(ctx.constantTensor(input(node, 1)).data) : []);
    const axes = given.length === 0 ? (intAttribute(node, 'noop_with_empty_axes', 0) ? [] : shape.map((_, k) => k)) : given.map((axis) => (axis < 0 ? axis + shape.length : axis));
    const kept = shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
    const count = sizeOf(axes.map((axis) => shape[axis]));
    const reshaped = ctx.reshape(g, kept);
    return [ctx.expand(mean ? ctx.op('Div', [reshaped, ctx.scalar(count)]) : reshaped, shape)];
  } };
}
