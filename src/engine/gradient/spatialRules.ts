// Vector–Jacobian products of the convolution, pooling and resizing operators, written as ONNX nodes: a Conv's input
// gradient is a ConvTranspose with the same weights, a pool's goes back through its windows, a Resize's through the
// transposes of its per-axis interpolation matrices.
import type { onnx } from 'onnx-proto';
import { intAttribute, intsAttribute, sizeOf, stringAttribute } from '../explain/headGraph';
import type { GradientContext } from './gradientContext';
import type { GradientRule } from './gradientRules';
import { input, output } from './elementwiseRules';

/** Kernel, strides, dilations and explicit begin/end pads of a windowed operator over `spatial` (input) dims to `outSpatial`. */
interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  end: number[];
}

/** The window of a Conv/pool node, with auto_pad turned into explicit pads from the measured shapes. */
function windowOf(node: onnx.INodeProto, kernel: number[], spatial: number[], outSpatial: number[]): Window {
  const n = spatial.length;
  const strides = intsAttribute(node, 'strides') ?? Array(n).fill(1);
  const dilations = intsAttribute(node, 'dilations') ?? Array(n).fill(1);
  const autoPad = stringAttribute(node, 'auto_pad', 'NOTSET');
  let begin: number[];
  let end: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = spatial.map((size, k) => Math.max(0, (outSpatial[k] - 1) * strides[k] + (kernel[k] - 1) * dilations[k] + 1 - size));
    begin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    end = total.map((t, k) => t - begin[k]);
  } else if (autoPad === 'VALID') {
    begin = Array(n).fill(0);
    end = Array(n).fill(0);
  } else {
    const pads = intsAttribute(node, 'pads') ?? Array(2 * n).fill(0);
    begin = pads.slice(0, n);
    end = pads.slice(n);
  }
  return { kernel, strides, dilations, begin, end };
}

/** A ConvTranspose of `g` with `weight` that inverts the window geometry back to `spatial` (output_padding fixes the size lost to flooring). */
function transposedConv(ctx: GradientContext, g: string, weight: string, group: number, window: Window, spatial: number[], outSpatial: number[]): string {
  const { kernel, strides, dilations, begin, end } = window;
  const outputPadding = spatial.map((size, k) => size - ((outSpatial[k] - 1) * strides[k] + (kernel[k] - 1) * dilations[k] + 1 - begin[k] - end[k]));
  // A window reaching past the padded input (ceil_mode) makes the padding negative: the end is cropped instead.
  const crop = outputPadding.map((p) => Math.max(0, -p));
  const attributes = {
    group: { i: group }, kernel_shape: { ints: kernel }, strides: { ints: strides }, dilations: { ints: dilations },
    pads: { ints: [...begin, ...end.map((e, k) => e + crop[k])] }, output_padding: { ints: outputPadding.map((p) => Math.max(0, p)) },
  };
  return ctx.op('ConvTranspose', [g, weight], attributes);
}

/** The scatter-add of `g` (one value per output element) into a zero tensor shaped `shape`, at the flat input indices `sources` (−1 = none). */
export function scatterBack(ctx: GradientContext, g: string, shape: number[], sources: Int32Array | number[]): string {
  const positions: number[] = [];
  const targets: number[] = [];
  sources.forEach((source, k) => {
    if (source >= 0) {
      positions.push(k);
      targets.push(source);
    }
  });
  const flat = ctx.reshape(g, [-1]);
  const updates = positions.length === sources.length ? flat : ctx.op('Gather', [flat, ctx.ints(positions)], { axis: { i: 0 } });
  if (targets.length === 0) return ctx.zeros(shape);
  const scattered = ctx.op('ScatterElements', [ctx.zeros([sizeOf(shape)]), ctx.ints(targets), updates], { axis: { i: 0 }, reduction: { s: 'add' } });
  return ctx.reshape(scattered, shape);
}

/** Spatial rules, by operator. */
export const SPATIAL_RULES: Record<string, GradientRule> = {
  // Conv: the input gradient is the transposed convolution of g with the same weights (groups, strides, dilations, pads kept).
  Conv: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const [x, w] = [input(node, 0), input(node, 1)];
    const [xs, ws, ys] = [ctx.shape(x), ctx.shape(w), ctx.shape(output(node))];
    const window = windowOf(node, intsAttribute(node, 'kernel_shape') ?? ws.slice(2), xs.slice(2), ys.slice(2));
    return [transposedConv(ctx, g, w, intAttribute(node, 'group', 1), window, xs.slice(2), ys.slice(2))];
  } },
  // MaxPool: g goes to each window's maximum, found by the Indices output of the same pooling, added where windows overlap.
  MaxPool: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const x = input(node, 0);
    const shape = ctx.shape(x);
    const keep = (node.attribute ?? []).filter((a) => a.name !== 'storage_order');
    const [, indices] = ctx.emit('MaxPool', [x], {}, 2);
    ctx.nodes[ctx.nodes.length - 1].attribute = keep;
    const scattered = ctx.op('ScatterElements', [ctx.zeros([sizeOf(shape)]), ctx.reshape(indices, [-1]), ctx.reshape(g, [-1])], { axis: { i: 0 }, reduction: { s: 'add' } });
    return [ctx.reshape(scattered, shape)];
  } },
  // AveragePool: g divided by each window's count, spread back over the window (a depthwise ConvTranspose with ones).
  AveragePool: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const x = input(node, 0);
    const [xs, ys] = [ctx.shape(x), ctx.shape(output(node))];
    const kernel = intsAttribute(node, 'kernel_shape') ?? [];
    const window = windowOf(node, kernel, xs.slice(2), ys.slice(2));
    const divisors = windowCounts(window, xs.slice(2), ys.slice(2), intAttribute(node, 'count_include_pad', 0) === 1);
    const divided = ctx.op('Div', [g, ctx.floats(divisors, [1, 1, ...ys.slice(2)])]);
    const channels = xs[1];
    const ones = ctx.floats(new Float32Array(channels * sizeOf(kernel)).fill(1), [channels, 1, ...kernel]);
    return [transposedConv(ctx, divided, ones, channels, window, xs.slice(2), ys.slice(2))];
  } },
  // GlobalAveragePool: g / (H·W) at every position.
  GlobalAveragePool: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const shape = ctx.shape(input(node, 0));
    return [ctx.expand(ctx.op('Div', [g, ctx.scalar(sizeOf(shape.slice(2)))]), shape)];
  } },
  // GlobalMaxPool: g at the positions equal to the maximum.
  GlobalMaxPool: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const x = input(node, 0);
    return [ctx.mask(ctx.expand(g, ctx.shape(x)), ctx.op('Equal', [x, output(node)]))];
  } },
  // Resize (nearest or linear on the last two axes): gX = Rhᵀ · g · Rw, Rh and Rw the per-axis interpolation matrices.
  Resize: { inputs: [0], backward: (node, [g], ctx) => {
    if (g === undefined) return [undefined];
    const [xs, ys] = [ctx.shape(input(node, 0)), ctx.shape(output(node))];
    const rank = xs.length;
    if (rank < 2 || xs.slice(0, rank - 2).some((dim, k) => dim !== ys[k])) throw new Error('Resize of other axes than the last two');
    const scalesName = input(node, 2);
    const scales = scalesName && ctx.hasConstant(scalesName) ? Array.from(ctx.constantTensor(scalesName).data) : [];
    const matrices = [rank - 2, rank - 1].map((axis) => interpolationMatrix(node, xs[axis], ys[axis], scales.length === rank ? scales[axis] : ys[axis] / xs[axis]));
    const left = ctx.floats(transpose(matrices[0], ys[rank - 2], xs[rank - 2]), [xs[rank - 2], ys[rank - 2]]);
    const right = ctx.floats(matrices[1], [ys[rank - 1], xs[rank - 1]]);
    return [ctx.op('MatMul', [ctx.op('MatMul', [left, g]), right])];
  } },
};

/** The number of elements each output window averages (clipped to the input, or to the padded input when pads count). */
function windowCounts(window: Window, spatial: number[], outSpatial: number[], includePad: boolean): Float32Array {
  const counts = new Float32Array(sizeOf(outSpatial));
  const perAxis = outSpatial.map((size, k) => Array.from({ length: size }, (_, o) => {
    const start = o * window.strides[k] - window.begin[k];
    let covered = 0;
    for (let t = 0; t < window.kernel[k]; t++) {
      const at = start + t * window.dilations[k];
      if (includePad ? at < spatial[k] + window.end[k] : at >= 0 && at < spatial[k]) covered++;
    }
    return covered;
  }));
  for (let flat = 0; flat < counts.length; flat++) {
    let rest = flat;
    let count = 1;
    for (let k = outSpatial.length - 1; k >= 0; k--) {
      count *= perAxis[k][rest % outSpatial[k]];
      rest = Math.floor(rest / outSpatial[k]);
    }
    counts[flat] = count;
  }
  return counts;
}

/** The [out × in] matrix of a Resize along one axis, as ONNX defines its coordinate transformation and nearest/linear modes. */
function interpolationMatrix(node: onnx.INodeProto, size: number, outSize: number, scale: number): Float32Array {
  const mode = stringAttribute(node, 'mode', 'nearest');
  const transform = stringAttribute(node, 'coordinate_transformation_mode', 'half_pixel');
  const nearestMode = stringAttribute(node, 'nearest_mode', 'round_prefer_floor');
  const matrix = new Float32Array(outSize * size);
  for (let o = 0; o < outSize; o++) {
    let at: number;
    if (transform === 'align_corners') at = outSize === 1 ? 0 : (o * (size - 1)) / (outSize - 1);
    else if (transform === 'asymmetric') at = o / scale;
    else if (transform === 'pytorch_half_pixel') at = outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    else if (transform === 'tf_half_pixel_for_nn') at = (o + 0.5) / scale;
    else at = (o + 0.5) / scale - 0.5;
    if (mode === 'nearest') {
      let index: number;
      if (nearestMode === 'floor') index = Math.floor(at);
      else if (nearestMode === 'ceil') index = Math.ceil(at);
      else if (nearestMode === 'round_prefer_ceil') index = Math.round(at);
      else index = at === Math.floor(at) + 0.5 ? Math.floor(at) : Math.round(at);
      matrix[o * size + Math.min(size - 1, Math.max(0, index))] = 1;
    } else if (mode === 'linear') {
      const clamped = Math.min(size - 1, Math.max(0, at));
      const low = Math.floor(clamped);
      const high = Math.min(size - 1, low + 1);
      const fraction = clamped - low;
      matrix[o * size + low] += 1 - fraction;
      matrix[o * size + high] += fraction;
    } else {
      throw new Error(`Resize mode '${mode}'`);
    }
  }
  return matrix;
}

/** The transpose of a row-major rows × columns matrix. */
function transpose(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = matrix[r * columns + c];
  return out;
}
