// Reverse-mode differentiation of a classifier head in TypeScript: the head's nodes are re-run forward from the
// feature map (weights read from the initializers), then the gradient of one output element is carried back node by
// node. ONNX Runtime has no autograd, so this is what makes Grad-CAM possible on an exported model.
import type { onnx } from 'onnx-proto';
import { floatAttribute, intAttribute, reshapeTarget, sizeOf, unsupported, type GraphIndex, type Tensor } from './headGraph';
import { broadcastTo, poolWindows } from './headKernels';

/** One node of the head, with the tensor it reads from the feature map's side and the tensor it writes. */
export interface HeadStep {
  node: onnx.INodeProto;
  op: string;
  input: string;
  output: string;
}

/** Operators the head may contain (forward and backward are implemented for each). */
export const HEAD_OPERATORS = new Set([
  'GlobalAveragePool', 'AveragePool', 'MaxPool', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Gemm', 'MatMul', 'Add', 'Sub',
  'Mul', 'Div', 'Relu', 'LeakyRelu', 'Clip', 'Dropout', 'Identity', 'BatchNormalization', 'Softmax', 'LogSoftmax', 'Sigmoid',
]);

/** Runs and differentiates a head over one graph. */
export class HeadAutodiff {
  /** `method` names the explanation in error messages. */
  /** The weights of each Gemm/MatMul as read for a given input shape: the graph's constants never change, so they are laid out once. */
  private readonly linearLayouts = new Map<onnx.INodeProto, { key: string; layout: ReturnType<HeadAutodiff['layoutLinear']> }>();

  constructor(private readonly index: GraphIndex, private readonly opset: number, private readonly method = 'Grad-CAM') {}

  /** The input of every step and the head's output: values[i] is step i's input, values[steps.length] the output. */
  forward(steps: HeadStep[], featureMap: Tensor): Tensor[] {
    const values = [featureMap];
    for (const step of steps) values.push(this.forwardStep(step, values[values.length - 1]));
    return values;
  }

  /** ∂(Σ seed ⊙ output)/∂(feature map), given the values of `forward`. */
  backward(steps: HeadStep[], values: Tensor[], seed: Float64Array): Float64Array {
    let gradient = seed;
    for (let i = steps.length - 1; i >= 0; i--) gradient = this.backwardStep(steps[i], values[i], values[i + 1], gradient);
    return gradient;
  }

  private constantOperand(step: HeadStep): Tensor {
    const other = (step.node.input ?? []).slice(0, 2).find((name) => name !== step.input);
    return this.index.constant(other ?? '', this.method);
  }

  private forwardStep(step: HeadStep, x: Tensor): Tensor {
    const { node, op } = step;
    const inputs = node.input ?? [];
    const where = `the ${op} '${node.name ?? step.output}'`;
    switch (op) {
      case 'Identity': case 'Dropout': return x;
      case 'Flatten': case 'Reshape': case 'Squeeze': case 'Unsqueeze':
        return { shape: reshapeTarget(this.index, node, x.shape, this.method), data: x.data };
      case 'Relu': return map(x, (v) => (v > 0 ? v : 0));
      case 'LeakyRelu': { const alpha = floatAttribute(node, 'alpha', 0.01); return map(x, (v) => (v > 0 ? v : alpha * v)); }
      case 'Sigmoid': return map(x, (v) => 1 / (1 + Math.exp(-v)));
      case 'Clip': { const [low, high] = this.clipBounds(node); return map(x, (v) => Math.min(high, Math.max(low, v))); }
      case 'Add': case 'Sub': case 'Mul': case 'Div': {
        const c = broadcastTo(this.constantOperand(step), x.shape, this.method, where);
        const first = inputs[0] === step.input;
        const out = new Float64Array(x.data.length);
        for (let i = 0; i < out.length; i++) {
          const [a, b] = first ? [x.data[i], c[i]] : [c[i], x.data[i]];
          out[i] = op === 'Add' ? a + b : op === 'Sub' ? a - b : op === 'Mul' ? a * b : a / b;
        }
        return { shape: x.shape, data: out };
      }
      case 'BatchNormalization': {
        const { scale, shift } = this.batchNorm(node, x.shape);
        return { shape: x.shape, data: x.data.map((v, i) => v * scale[i] + shift[i]) };
      }
      case 'GlobalAveragePool': {
        const [batch, channels] = x.shape;
        const plane = sizeOf(x.shape.slice(2));
        const out = new Float64Array(batch * channels);
        for (let c = 0; c < out.length; c++) {
          let sum = 0;
          for (let i = 0; i < plane; i++) sum += x.data[c * plane + i];
          out[c] = sum / plane;
        }
        return { shape: [batch, channels, ...x.shape.slice(2).map(() => 1)], data: out };
      }
      case 'AveragePool': case 'MaxPool': {
        const [batch, channels, height, width] = this.spatial(x, where);
        const pool = poolWindows(node, height, width, this.method);
        const cellsPerPlane = pool.cells.length;
        const out = new Float64Array(batch * channels * cellsPerPlane);
        for (let c = 0; c < batch * channels; c++) {
          for (let o = 0; o < cellsPerPlane; o++) {
            const cells = pool.cells[o];
            let value = op === 'MaxPool' ? -Infinity : 0;
            for (const cell of cells) value = op === 'MaxPool' ? Math.max(value, x.data[c * height * width + cell]) : value + x.data[c * height * width + cell];
            out[c * cellsPerPlane + o] = op === 'MaxPool' ? value : value / pool.divisors[o];
          }
        }
        return { shape: [batch, channels, pool.geometry.outHeight, pool.geometry.outWidth], data: out };
      }
      case 'Gemm': case 'MatMul': {
        const { rows, inner, columns, weight, bias, shape } = this.linear(step, x);
        const out = new Float64Array(rows * columns);
        for (let r = 0; r < rows; r++) {
          for (let n = 0; n < columns; n++) {
            let sum = bias ? bias[r * columns + n] : 0;
            for (let k = 0; k < inner; k++) sum += x.data[r * inner + k] * weight[k * columns + n];
            out[r * columns + n] = sum;
          }
        }
        return { shape, data: out };
      }
      case 'Softmax': case 'LogSoftmax': {
        const { outer, width } = this.softmaxAxis(node, x.shape, where);
        const out = new Float64Array(x.data.length);
        for (let r = 0; r < outer; r++) {
          let max = -Infinity;
          for (let i = 0; i < width; i++) max = Math.max(max, x.data[r * width + i]);
          let sum = 0;
          for (let i = 0; i < width; i++) sum += Math.exp(x.data[r * width + i] - max);
          for (let i = 0; i < width; i++) {
            const shifted = x.data[r * width + i] - max;
            out[r * width + i] = op === 'Softmax' ? Math.exp(shifted) / sum : shifted - Math.log(sum);
          }
        }
        return { shape: x.shape, data: out };
      }
      default:
        throw unsupported(this.method, `the head contains a ${op} node ('${node.name ?? step.output}'), which has no gradient here`, { op });
    }
  }

  private backwardStep(step: HeadStep, x: Tensor, y: Tensor, gy: Float64Array): Float64Array {
    const { node, op } = step;
    const where = `the ${op} '${node.name ?? step.output}'`;
    switch (op) {
      case 'Identity': case 'Dropout': case 'Flatten': case 'Reshape': case 'Squeeze': case 'Unsqueeze': return gy;
      case 'Relu': return gy.map((g, i) => (x.data[i] > 0 ? g : 0));
      case 'LeakyRelu': { const alpha = floatAttribute(node, 'alpha', 0.01); return gy.map((g, i) => (x.data[i] > 0 ? g : alpha * g)); }
      case 'Sigmoid': return gy.map((g, i) => g * y.data[i] * (1 - y.data[i]));
      case 'Clip': { const [low, high] = this.clipBounds(node); return gy.map((g, i) => (x.data[i] > low && x.data[i] < high ? g : 0)); }
      case 'Add': return gy;
      case 'Sub': return (node.input ?? [])[0] === step.input ? gy : gy.map((g) => -g);
      case 'Mul': case 'Div': {
        const c = broadcastTo(this.constantOperand(step), x.shape, this.method, where);
        if (op === 'Mul') return gy.map((g, i) => g * c[i]);
        // x / c → g / c; c / x → −g · c / x².
        return (node.input ?? [])[0] === step.input ? gy.map((g, i) => g / c[i]) : gy.map((g, i) => (-g * c[i]) / (x.data[i] * x.data[i]));
      }
      case 'BatchNormalization': { const { scale } = this.batchNorm(node, x.shape); return gy.map((g, i) => g * scale[i]); }
      case 'GlobalAveragePool': {
        const plane = sizeOf(x.shape.slice(2));
        return x.data.map((_, i) => gy[Math.floor(i / plane)] / plane);
      }
      case 'AveragePool': case 'MaxPool': {
        const [batch, channels, height, width] = x.shape;
        const pool = poolWindows(node, height, width, this.method);
        const cellsPerPlane = pool.cells.length;
        const gx = new Float64Array(x.data.length);
        for (let c = 0; c < batch * channels; c++) {
          const base = c * height * width;
          for (let o = 0; o < cellsPerPlane; o++) {
            const g = gy[c * cellsPerPlane + o];
            const cells = pool.cells[o];
            if (op === 'AveragePool') {
              for (const cell of cells) gx[base + cell] += g / pool.divisors[o];
            } else {
              // The gradient goes to the first maximum of the window, as onnxruntime's MaxPool indices and PyTorch do.
              let best = cells[0];
              for (const cell of cells) if (x.data[base + cell] > x.data[base + best]) best = cell;
              gx[base + best] += g;
            }
          }
        }
        return gx;
      }
      case 'Gemm': case 'MatMul': {
        const { rows, inner, columns, weight } = this.linear(step, x);
        const gx = new Float64Array(rows * inner);
        for (let r = 0; r < rows; r++) {
          for (let k = 0; k < inner; k++) {
            let sum = 0;
            for (let n = 0; n < columns; n++) sum += gy[r * columns + n] * weight[k * columns + n];
            gx[r * inner + k] = sum;
          }
        }
        return gx;
      }
      case 'Softmax': case 'LogSoftmax': {
        const { outer, width } = this.softmaxAxis(node, x.shape, where);
        const gx = new Float64Array(gy.length);
        for (let r = 0; r < outer; r++) {
          let dot = 0;
          for (let i = 0; i < width; i++) dot += op === 'Softmax' ? gy[r * width + i] * y.data[r * width + i] : gy[r * width + i];
          for (let i = 0; i < width; i++) {
            const at = r * width + i;
            // Softmax: s_i (g_i − Σ g_j s_j); LogSoftmax: g_i − softmax_i Σ g_j.
            gx[at] = op === 'Softmax' ? y.data[at] * (gy[at] - dot) : gy[at] - Math.exp(y.data[at]) * dot;
          }
        }
        return gx;
      }
      default:
        throw unsupported(this.method, `the head contains a ${op} node ('${node.name ?? step.output}'), which has no gradient here`, { op });
    }
  }

  private spatial(x: Tensor, where: string): number[] {
    if (x.shape.length !== 4) throw unsupported(this.method, `${where} reads a tensor of shape [${x.shape.join(', ')}], not a 2-D feature map`);
    return x.shape;
  }

  /** Clip bounds: attributes min/max before opset 11, optional constant inputs from 11 on. */
  private clipBounds(node: onnx.INodeProto): [number, number] {
    const inputs = node.input ?? [];
    if (this.opset < 11) return [floatAttribute(node, 'min', -3.4028234663852886e38), floatAttribute(node, 'max', 3.4028234663852886e38)];
    const bound = (name: string | undefined, fallback: number): number => (name ? this.index.constant(name, this.method).data[0] : fallback);
    return [bound(inputs[1], -Infinity), bound(inputs[2], Infinity)];
  }

  /** Inference-mode BatchNormalization as y = x · scale + shift, per element (channel axis 1). */
  private batchNorm(node: onnx.INodeProto, shape: number[]): { scale: Float64Array; shift: Float64Array } {
    const [, gammaName, betaName, meanName, varianceName] = node.input ?? [];
    const epsilon = floatAttribute(node, 'epsilon', 1e-5);
    const gamma = this.index.constant(gammaName ?? '', this.method).data;
    const beta = this.index.constant(betaName ?? '', this.method).data;
    const mean = this.index.constant(meanName ?? '', this.method).data;
    const variance = this.index.constant(varianceName ?? '', this.method).data;
    const channels = shape[1];
    const plane = sizeOf(shape.slice(2));
    const scale = new Float64Array(sizeOf(shape));
    const shift = new Float64Array(sizeOf(shape));
    for (let i = 0; i < scale.length; i++) {
      const c = Math.floor(i / plane) % channels;
      // y = γ (x − μ) / √(σ² + ε) + β, the ONNX inference formula.
      scale[i] = gamma[c] / Math.sqrt(variance[c] + epsilon);
      shift[i] = beta[c] - mean[c] * scale[i];
    }
    return { scale, shift };
  }

  /**
   * A Gemm or MatMul as out[r, n] = Σ_k x[r, k] · weight[k, n] + bias[r, n], with the data as the left operand:
   * Gemm Y = α·A'·B' + β·C (A' = Aᵀ when transA, B' = Bᵀ when transB) with B constant; MatMul x · W with W a constant matrix.
   */
  linear(step: HeadStep, x: Tensor): { rows: number; inner: number; columns: number; weight: Float64Array; bias?: Float64Array; shape: number[] } {
    const key = x.shape.join(',');
    const cached = this.linearLayouts.get(step.node);
    if (cached?.key === key) return cached.layout;
    const layout = this.layoutLinear(step, x);
    this.linearLayouts.set(step.node, { key, layout });
    return layout;
  }

  private layoutLinear(step: HeadStep, x: Tensor): { rows: number; inner: number; columns: number; weight: Float64Array; bias?: Float64Array; shape: number[] } {
    const { node, op } = step;
    const inputs = node.input ?? [];
    const where = `the ${op} '${node.name ?? step.output}'`;
    if (inputs[0] !== step.input) throw unsupported(this.method, `${where} multiplies a constant by the features (only features × weights is handled)`, { op });
    const b = this.index.constant(inputs[1], this.method);
    if (b.shape.length !== 2) throw unsupported(this.method, `${where} has weights of shape [${b.shape.join(', ')}]; a 2-D weight matrix is needed`, { op });
    if (op === 'MatMul') {
      const [inner, columns] = b.shape;
      if (x.shape[x.shape.length - 1] !== inner) throw unsupported(this.method, `${where}: features of shape [${x.shape.join(', ')}] do not match weights [${b.shape.join(', ')}]`);
      const rows = x.data.length / inner;
      return { rows, inner, columns, weight: b.data, shape: [...x.shape.slice(0, -1), columns] };
    }
    if (x.shape.length !== 2) throw unsupported(this.method, `${where} reads a tensor of shape [${x.shape.join(', ')}]; Gemm needs a matrix`);
    const transA = intAttribute(node, 'transA', 0) === 1;
    const transB = intAttribute(node, 'transB', 0) === 1;
    const alpha = floatAttribute(node, 'alpha', 1);
    const beta = floatAttribute(node, 'beta', 1);
    const [rows, inner] = transA ? [x.shape[1], x.shape[0]] : x.shape;
    const columns = transB ? b.shape[0] : b.shape[1];
    if ((transB ? b.shape[1] : b.shape[0]) !== inner) throw unsupported(this.method, `${where}: features of shape [${x.shape.join(', ')}] do not match weights [${b.shape.join(', ')}]`);
    if (transA && rows !== 1) throw unsupported(this.method, `${where} uses transA on more than one row`, { op });
    const weight = new Float64Array(inner * columns);
    for (let k = 0; k < inner; k++) for (let n = 0; n < columns; n++) weight[k * columns + n] = alpha * (transB ? b.data[n * inner + k] : b.data[k * columns + n]);
    let bias: Float64Array | undefined;
    if (inputs[2]) bias = broadcastTo(this.index.constant(inputs[2], this.method), [rows, columns], this.method, where).map((v) => v * beta);
    return { rows, inner, columns, weight, bias, shape: [rows, columns] };
  }

  /** Softmax over a contiguous trailing block: before opset 13 the input is coerced to 2-D at `axis` (default 1). */
  private softmaxAxis(node: onnx.INodeProto, shape: number[], where: string): { outer: number; width: number } {
    const legacy = this.opset < 13;
    let axis = intAttribute(node, 'axis', legacy ? 1 : -1);
    if (axis < 0) axis += shape.length;
    if (!legacy && axis !== shape.length - 1) throw unsupported(this.method, `${where} normalises axis ${axis} of a ${shape.length}-D tensor; only the last axis is handled`);
    const width = sizeOf(shape.slice(axis));
    return { outer: sizeOf(shape) / width, width };
  }
}

function map(x: Tensor, f: (value: number) => number): Tensor {
  return { shape: x.shape, data: x.data.map(f) };
}
