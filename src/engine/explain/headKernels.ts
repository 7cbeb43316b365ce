// Numeric kernels shared by the head autodiff and LRP: numpy-style broadcasting of constants, 2-D pooling windows,
// and 2-D convolution with its transpose (the gradient with respect to the input), on one image in float64, NCHW.
import type { onnx } from 'onnx-proto';
import { intAttribute, intsAttribute, sizeOf, stringAttribute, unsupported, type Tensor } from './headGraph';

/** `value` broadcast (numpy rules) to exactly `shape`; throws 'unsupported-model' when it would enlarge the data tensor. */
export function broadcastTo(value: Tensor, shape: number[], method: string, where: string): Float64Array {
  const rank = shape.length;
  if (value.shape.length > rank) throw unsupported(method, `${where}: a constant of shape [${value.shape.join(', ')}] would change the rank of a tensor of shape [${shape.join(', ')}]`);
  const padded = [...new Array<number>(rank - value.shape.length).fill(1), ...value.shape];
  if (padded.some((dim, axis) => dim !== 1 && dim !== shape[axis])) {
    throw unsupported(method, `${where}: a constant of shape [${value.shape.join(', ')}] does not broadcast to [${shape.join(', ')}]`);
  }
  const out = new Float64Array(sizeOf(shape));
  if (value.data.length === 1) return out.fill(value.data[0]);
  // Stride of each output axis in the constant (0 where the constant has extent 1).
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    strides[axis] = padded[axis] === 1 ? 0 : stride;
    stride *= padded[axis];
  }
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let source = 0;
    for (let axis = 0; axis < rank; axis++) source += counter[axis] * strides[axis];
    out[i] = value.data[source];
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++counter[axis] < shape[axis]) break;
      counter[axis] = 0;
    }
  }
  return out;
}

/** Where a 2-D sliding window reads: output size, pads before, strides, dilations and kernel, per axis (y, x). */
export interface WindowGeometry {
  outHeight: number;
  outWidth: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Pads before and after, per axis: [top, left, bottom, right]. */
  pads: [number, number, number, number];
}

/** The ONNX Conv/Pool window geometry of `node` over an input of height × width (auto_pad, pads, ceil_mode honoured). */
export function windowGeometry(node: onnx.INodeProto, height: number, width: number, kernel: [number, number], method: string, ceil = false): WindowGeometry {
  const strides = (intsAttribute(node, 'strides') ?? [1, 1]) as [number, number];
  const dilations = (intsAttribute(node, 'dilations') ?? [1, 1]) as [number, number];
  if (strides.length !== 2 || dilations.length !== 2) throw unsupported(method, `the ${node.opType ?? ''} '${node.name ?? ''}' is not two-dimensional`, { op: node.opType });
  const autoPad = stringAttribute(node, 'auto_pad', 'NOTSET');
  const size = [height, width];
  const out = [0, 0];
  const pads: [number, number, number, number] = [0, 0, 0, 0];
  const explicit = intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
  for (let axis = 0; axis < 2; axis++) {
    const extent = (kernel[axis] - 1) * dilations[axis] + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      out[axis] = Math.ceil(size[axis] / strides[axis]);
      const total = Math.max(0, (out[axis] - 1) * strides[axis] + extent - size[axis]);
      pads[axis] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      pads[axis + 2] = total - pads[axis];
    } else {
      if (autoPad !== 'VALID') {
        pads[axis] = explicit[axis];
        pads[axis + 2] = explicit[axis + 2];
      }
      const span = size[axis] + pads[axis] + pads[axis + 2] - extent;
      out[axis] = (ceil ? Math.ceil(span / strides[axis]) : Math.floor(span / strides[axis])) + 1;
      // A last window that would start in the padding after the input is dropped (PyTorch and onnxruntime do so).
      if (ceil && (out[axis] - 1) * strides[axis] >= size[axis] + pads[axis]) out[axis]--;
    }
  }
  return { outHeight: out[0], outWidth: out[1], kernel, strides, dilations, pads };
}

/** For each output position of a pooling window over one plane: the plane indices it reads, and its averaging divisor. */
export interface PoolWindows {
  geometry: WindowGeometry;
  cells: Int32Array[];
  divisors: Float64Array;
}

/** The windows of a MaxPool/AveragePool node over a height × width plane. */
export function poolWindows(node: onnx.INodeProto, height: number, width: number, method: string): PoolWindows {
  const kernel = (intsAttribute(node, 'kernel_shape') ?? []) as [number, number];
  if (kernel.length !== 2) throw unsupported(method, `the ${node.opType ?? ''} '${node.name ?? ''}' is not two-dimensional`, { op: node.opType });
  const geometry = windowGeometry(node, height, width, kernel, method, intAttribute(node, 'ceil_mode', 0) === 1);
  const includePad = intAttribute(node, 'count_include_pad', 0) === 1;
  const { outHeight, outWidth, strides, dilations, pads } = geometry;
  const cells: Int32Array[] = [];
  const divisors = new Float64Array(outHeight * outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      const inside: number[] = [];
      let padded = 0;
      for (let ky = 0; ky < kernel[0]; ky++) {
        const iy = oy * strides[0] - pads[0] + ky * dilations[0];
        for (let kx = 0; kx < kernel[1]; kx++) {
          const ix = ox * strides[1] - pads[1] + kx * dilations[1];
          if (iy >= -pads[0] && iy < height + pads[2] && ix >= -pads[1] && ix < width + pads[3]) padded++;
          if (iy >= 0 && iy < height && ix >= 0 && ix < width) inside.push(iy * width + ix);
        }
      }
      cells.push(Int32Array.from(inside));
      divisors[oy * outWidth + ox] = includePad ? padded : Math.max(1, inside.length);
    }
  }
  return { geometry, cells, divisors };
}

/** A 2-D convolution of one image: weights [M, C/group, kh, kw], input [C, H, W], output [M, outHeight, outWidth]. */
export interface ConvLayout {
  channels: number;
  height: number;
  width: number;
  filters: number;
  group: number;
  geometry: WindowGeometry;
}

/** The layout of a Conv node over an input of shape [1, C, H, W] with weights of shape `weightShape`. */
export function convLayout(node: onnx.INodeProto, inputShape: number[], weightShape: number[], method: string): ConvLayout {
  if (inputShape.length !== 4 || weightShape.length !== 4) throw unsupported(method, `the Conv '${node.name ?? ''}' is not a 2-D convolution`, { op: 'Conv' });
  const group = intAttribute(node, 'group', 1);
  const [, channels, height, width] = inputShape;
  if (weightShape[1] * group !== channels) throw unsupported(method, `the Conv '${node.name ?? ''}' weights [${weightShape.join(', ')}] do not match ${channels} input channels in ${group} group(s)`);
  const geometry = windowGeometry(node, height, width, [weightShape[2], weightShape[3]], method);
  return { channels, height, width, filters: weightShape[0], group, geometry };
}

/** Per kernel offset k along one axis: the first and last+1 output index o for which o·stride − pad + k·dilation lies in [0, size). */
function validRanges(kernel: number, size: number, out: number, stride: number, pad: number, dilation: number): Int32Array {
  const ranges = new Int32Array(2 * kernel);
  for (let k = 0; k < kernel; k++) {
    const offset = k * dilation - pad;
    const start = Math.max(0, Math.ceil(-offset / stride));
    const end = Math.min(out, Math.floor((size - 1 - offset) / stride) + 1);
    ranges[2 * k] = start;
    ranges[2 * k + 1] = Math.max(start, end);
  }
  return ranges;
}

/** out[m, oy, ox] = Σ w[m, c, ky, kx] · x[c, iy, ix] over the group's channels (no bias). */
export function convForward(layout: ConvLayout, x: Float64Array, weights: Float64Array): Float64Array {
  return convolve(layout, x, weights, false);
}

/** The transpose of convForward: in[c, iy, ix] = Σ w[m, c, ky, kx] · g[m, oy, ox] (the gradient with respect to x). */
export function convBackward(layout: ConvLayout, g: Float64Array, weights: Float64Array): Float64Array {
  return convolve(layout, g, weights, true);
}

/** The convolution (transpose = false: input → output) or its transpose (output-shaped → input-shaped), one loop nest for both. */
function convolve(layout: ConvLayout, source: Float64Array, weights: Float64Array, transpose: boolean): Float64Array {
  const { channels, height, width, filters, group, geometry } = layout;
  const { outHeight, outWidth, kernel, strides, dilations, pads } = geometry;
  const perGroupIn = channels / group;
  const perGroupOut = filters / group;
  const out = new Float64Array(transpose ? channels * height * width : filters * outHeight * outWidth);
  const rows = validRanges(kernel[0], height, outHeight, strides[0], pads[0], dilations[0]);
  const columns = validRanges(kernel[1], width, outWidth, strides[1], pads[1], dilations[1]);
  for (let m = 0; m < filters; m++) {
    const firstChannel = Math.floor(m / perGroupOut) * perGroupIn;
    const outPlane = m * outHeight * outWidth;
    for (let c = 0; c < perGroupIn; c++) {
      const inPlane = (firstChannel + c) * height * width;
      for (let ky = 0; ky < kernel[0]; ky++) {
        const y0 = rows[2 * ky];
        const y1 = rows[2 * ky + 1];
        for (let kx = 0; kx < kernel[1]; kx++) {
          const w = weights[((m * perGroupIn + c) * kernel[0] + ky) * kernel[1] + kx];
          if (w === 0) continue;
          const x0 = columns[2 * kx];
          const x1 = columns[2 * kx + 1];
          for (let oy = y0; oy < y1; oy++) {
            const row = inPlane + (oy * strides[0] - pads[0] + ky * dilations[0]) * width - pads[1] + kx * dilations[1];
            const outRow = outPlane + oy * outWidth;
            if (transpose) for (let ox = x0; ox < x1; ox++) out[row + ox * strides[1]] += w * source[outRow + ox];
            else for (let ox = x0; ox < x1; ox++) out[outRow + ox] += w * source[row + ox * strides[1]];
          }
        }
      }
    }
  }
  return out;
}
