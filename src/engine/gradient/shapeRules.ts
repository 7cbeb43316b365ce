// Vector–Jacobian products of the operators that only move values: reshapes and transposes send g back unchanged in
// value, Concat/Split cut or join it, and Slice, Pad and Gather (constant indices) scatter it back to where each
// output element was read from.
import type { onnx } from 'onnx-proto';
import { intAttribute, intsAttribute, sizeOf, stringAttribute } from '../explain/headGraph';
import type { GradientContext } from './gradientContext';
import type { GradientRule } from './gradientRules';
import { input, output } from './elementwiseRules';
import { scatterBack } from './spatialRules';

/** Constant integer input `i` of a node, or undefined when absent. */
function constantInts(ctx: GradientContext, node: onnx.INodeProto, i: number): number[] | undefined {
  const name = input(node, i);
  return name ? Array.from(ctx.constantTensor(name).data) : undefined;
}

/** Flat source indices of every output element, from one source coordinate map per axis (−1 = no source, e.g. padding). */
function separableSources(outShape: number[], inShape: number[], perAxis: Int32Array[]): Int32Array {
  const sources = new Int32Array(sizeOf(outShape));
  const strides = inShape.map((_, axis) => sizeOf(inShape.slice(axis + 1)));
  for (let flat = 0; flat < sources.length; flat++) {
    let rest = flat;
    let source = 0;
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      const at = perAxis[axis][rest % outShape[axis]];
      rest = Math.floor(rest / outShape[axis]);
      if (at < 0) {
        source = -1;
        break;
      }
      source += at * strides[axis];
    }
    sources[flat] = source;
  }
  return sources;
}

const reshapeBack: GradientRule = { inputs: [0], backward: (node, [g], ctx) => [g === undefined ? undefined : ctx.reshape(g, ctx.shape(input(node, 0)))] };

/** Shape rules, by operator. */
export const SHAPE_RULES: Record<string, GradientRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  // Transpose: g transposed by the inverse permutation.
  Transpose: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const rank = ctx.shape(input(node, 0)).length;
    const perm = intsAttribute(node, 'perm') ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
    const inverse = new Array<number>(rank);
    perm.forEach((from, to) => (inverse[from] = to));
    return [ctx.op('Transpose', [g], { perm: { ints: inverse } })];
  } },
  // Expand: g summed back over the broadcast axes.
  Expand: { inputs: [0], backward: (node, [g], ctx) => [g === undefined ? undefined : ctx.unbroadcast(g, ctx.shape(output(node)), ctx.shape(input(node, 0)))] },
  // Concat: each input's slice of g along the axis.
  Concat: { inputs: 'all', backward: (node, [g], ctx, wanted) => {
    const inputs = node.input ?? [];
    const rank = ctx.shape(inputs[0]).length;
    const axis = (intAttribute(node, 'axis', 0) + rank) % rank;
    let start = 0;
    return inputs.map((x, i) => {
      const size = ctx.shape(x)[axis];
      const range = [start, start + size];
      start += size;
      return g === undefined || !wanted[i] ? undefined : ctx.op('Slice', [g, ctx.ints([range[0]]), ctx.ints([range[1]]), ctx.ints([axis])]);
    });
  } },
  // Split: the outputs' gradients joined along the axis (zeros for an output with none).
  Split: { inputs: [0], backward: (node, grads, ctx) => {
    if (grads.every((g) => g === undefined)) return [undefined];
    const rank = ctx.shape(input(node, 0)).length;
    const axis = (intAttribute(node, 'axis', 0) + rank) % rank;
    const parts = (node.output ?? []).map((y, k) => grads[k] ?? ctx.zeros(ctx.shape(y)));
    return [ctx.op('Concat', parts, { axis: { i: axis } })];
  } },
  // Slice (opset 10 on: starts, ends, axes, steps inputs): g scattered back to the elements read.
  Slice: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const [xs, ys] = [ctx.shape(input(node, 0)), ctx.shape(output(node))];
    const starts = constantInts(ctx, node, 1) ?? [];
    const axes = (constantInts(ctx, node, 3) ?? starts.map((_, k) => k)).map((axis) => (axis < 0 ? axis + xs.length : axis));
    const steps = constantInts(ctx, node, 4) ?? starts.map(() => 1);
    const perAxis = ys.map((size, axis) => {
      const k = axes.indexOf(axis);
      if (k < 0) return Int32Array.from({ length: size }, (_, o) => o);
      const step = steps[k];
      let start = starts[k] < 0 ? starts[k] + xs[axis] : starts[k];
      start = step > 0 ? Math.min(Math.max(start, 0), xs[axis]) : Math.min(Math.max(start, -1), xs[axis] - 1);
      return Int32Array.from({ length: size }, (_, o) => start + o * step);
    });
    return [scatterBack(ctx, g, xs, separableSources(ys, xs, perAxis))];
  } },
  // Pad (opset 11 on; constant, reflect, edge or wrap): g scattered back to the element each output copied.
  Pad: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const [xs, ys] = [ctx.shape(input(node, 0)), ctx.shape(output(node))];
    const pads = constantInts(ctx, node, 1) ?? intsAttribute(node, 'pads') ?? [];
    const padAxes = (constantInts(ctx, node, 3) ?? xs.map((_, k) => k)).map((axis) => (axis < 0 ? axis + xs.length : axis));
    const mode = stringAttribute(node, 'mode', 'constant');
    const perAxis = ys.map((size, axis) => {
      const k = padAxes.indexOf(axis);
      const begin = k < 0 ? 0 : pads[k];
      const n = xs[axis];
      return Int32Array.from({ length: size }, (_, o) => {
        const at = o - begin;
        if (at >= 0 && at < n) return at;
        if (mode === 'edge') return Math.min(n - 1, Math.max(0, at));
        if (mode === 'reflect') return reflect(at, n);
        if (mode === 'wrap') return ((at % n) + n) % n;
        return -1;
      });
    });
    return [scatterBack(ctx, g, xs, separableSources(ys, xs, perAxis))];
  } },
  // Gather (constant scalar or 1-D indices): g scattered back to the gathered rows.
  Gather: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const xs = ctx.shape(input(node, 0));
    const axis = (intAttribute(node, 'axis', 0) + xs.length) % xs.length;
    const indices = ctx.constantTensor(input(node, 1));
    if (indices.shape.length > 1) throw new Error('Gather with indices of rank > 1');
    const picked = Int32Array.from(indices.data, (i) => (i < 0 ? i + xs[axis] : i));
    const outShape = [...xs.slice(0, axis), picked.length, ...xs.slice(axis + 1)];
    const perAxis = outShape.map((size, k) => (k === axis ? picked : Int32Array.from({ length: size }, (_, o) => o)));
    return [scatterBack(ctx, ctx.reshape(g, outShape), xs, separableSources(outShape, xs, perAxis))];
  } },
};

/** Index of position `at` reflected into 0…n−1 (no edge repeat, as NumPy's 'reflect'). */
function reflect(at: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const folded = ((at % period) + period) % period;
  return folded < n ? folded : period - folded;
}
