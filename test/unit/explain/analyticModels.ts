// Hand-built ONNX models whose right explanation is known, for the gradient and relevance methods.
import type { ExplainImage } from '../../../src/engine/explain/explainTypes';
import { encodeModel, FLOAT, INT64, node, tensor, valueInfo } from '../model/onnxBuilder';

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An image of `channels` × size × size tensor values drawn from [low, high), seeded; pixels are left black. */
export function randomImage(channels: 1 | 3, size: number, seed: number, low = 0, high = 1): ExplainImage {
  const random = seededRandom(seed);
  const input = Float32Array.from({ length: channels * size * size }, () => low + (high - low) * random());
  return { input, pixels: new Uint8Array(channels * size * size), width: size, height: size, channels };
}

/** Share of the map's positive mass inside the top-left quadrant. */
export function topLeftShare(data: ArrayLike<number>, width: number, height: number): number {
  let inside = 0;
  let total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = Math.max(0, data[y * width + x]);
      total += value;
      if (x < width / 2 && y < height / 2) inside += value;
    }
  }
  return inside / total;
}

/** Weights in [low, high), seeded. */
function uniform(count: number, seed: number, low: number, high: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => low + (high - low) * random());
}

/** Conv 3×3 pad 1 (3 → 4 channels, positive kernels, no bias) → Mul by a top-left-quadrant mask → Relu → GAP → Flatten → Gemm (2 classes). */
export const GAP_HEAD = { size: 32, channels: 4, classWeights: [0.5, 0.3, 0.2, 0.4, -0.3, 0.6, -0.2, 0.1], classBias: [0.1, -0.2] };

/** The quadrant model with a GAP → linear head: its score reads only the top-left quadrant of the conv features. */
export function quadrantGapModel(): Uint8Array {
  const { size, channels } = GAP_HEAD;
  const mask = Array.from({ length: size * size }, (_, i) => (Math.floor(i / size) < size / 2 && i % size < size / 2 ? 1 : 0));
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 3, size, size])],
    outputs: [valueInfo('logits', FLOAT, [1, 2])],
    nodes: [
      node('Conv', ['image', 'convW'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv'),
      node('Mul', ['conv', 'mask'], ['masked'], {}, 'mask'),
      node('Relu', ['masked'], ['features'], {}, 'relu'),
      node('GlobalAveragePool', ['features'], ['pooled'], {}, 'gap'),
      node('Flatten', ['pooled'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'fcW', 'fcB'], ['logits'], { transB: { i: 1 } }, 'fc'),
    ],
    initializers: [
      tensor('convW', [channels, 3, 3, 3], uniform(channels * 27, 1, 0.05, 0.3)),
      tensor('mask', [1, 1, size, size], mask),
      tensor('fcW', [2, channels], GAP_HEAD.classWeights),
      tensor('fcB', [2], GAP_HEAD.classBias),
    ],
  });
}

/**
 * Conv 3×3 pad 1 (1 → 2 channels, positive kernels, no bias) → Relu → MaxPool 2×2 → Flatten → Gemm whose class-0
 * weights are non-zero only at the pooled positions of the top-left quadrant. Zero biases: LRP-ε conserves exactly.
 */
export function quadrantDenseModel(size = 32): Uint8Array {
  const pooled = size / 2;
  const features = 2 * pooled * pooled;
  const random = seededRandom(7);
  // Gemm weights [features, 2] (transB = 0): class 0 reads the top-left quadrant only, class 1 everything.
  const weight: number[] = [];
  for (let f = 0; f < features; f++) {
    const position = f % (pooled * pooled);
    const inside = Math.floor(position / pooled) < pooled / 2 && position % pooled < pooled / 2;
    weight.push(inside ? 0.1 + random() : 0, random() - 0.5);
  }
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 1, size, size])],
    outputs: [valueInfo('logits', FLOAT, [1, 2])],
    nodes: [
      node('Conv', ['image', 'convW', 'convB'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv'),
      node('Relu', ['conv'], ['relu'], {}, 'relu'),
      node('MaxPool', ['relu'], ['pool'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }, 'pool'),
      node('Flatten', ['pool'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'fcW', 'fcB'], ['logits'], {}, 'fc'),
    ],
    initializers: [
      tensor('convW', [2, 1, 3, 3], uniform(18, 3, 0.05, 0.4)),
      tensor('convB', [2], [0, 0]),
      tensor('fcW', [features, 2], weight),
      tensor('fcB', [2], [0, 0]),
    ],
  });
}

/**
 * Mixed-sign weights, all biases zero, for conservation: Conv 3×3 (3 → 6) → BatchNormalization (mean 0, shift 0) →
 * Relu → AveragePool 2×2 → Conv 3×3 stride 2 pad 1 (6 → 8) → Relu → GAP → Flatten → MatMul → Add(0) → Softmax.
 * Input 16×16 (opset 13).
 */
export function conservationModel(): Uint8Array {
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, ['N', 3, 16, 16])],
    outputs: [valueInfo('probs', FLOAT, ['N', 5])],
    nodes: [
      node('Conv', ['image', 'w1'], ['c1'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv1'),
      node('BatchNormalization', ['c1', 'gamma', 'beta', 'mean', 'variance'], ['bn'], { epsilon: { f: 1e-5 } }, 'bn'),
      node('Relu', ['bn'], ['r1'], {}, 'relu1'),
      node('AveragePool', ['r1'], ['p1'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }, 'avg'),
      node('Conv', ['p1', 'w2', 'b2'], ['c2'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } }, 'conv2'),
      node('Relu', ['c2'], ['r2'], {}, 'relu2'),
      node('GlobalAveragePool', ['r2'], ['g'], {}, 'gap'),
      node('Flatten', ['g'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('MatMul', ['flat', 'fc'], ['mm'], {}, 'matmul'),
      node('Add', ['mm', 'fcBias'], ['logits'], {}, 'bias'),
      node('Softmax', ['logits'], ['probs'], { axis: { i: 1 } }, 'softmax'),
    ],
    initializers: [
      tensor('w1', [6, 3, 3, 3], uniform(162, 11, -0.5, 0.5)),
      tensor('gamma', [6], uniform(6, 12, 0.5, 1.5)),
      tensor('beta', [6], new Array<number>(6).fill(0)),
      tensor('mean', [6], new Array<number>(6).fill(0)),
      tensor('variance', [6], uniform(6, 13, 0.5, 2)),
      tensor('w2', [8, 6, 3, 3], uniform(432, 14, -0.4, 0.5)),
      tensor('b2', [8], new Array<number>(8).fill(0)),
      tensor('fc', [8, 5], uniform(40, 15, -1, 1)),
      tensor('fcBias', [1, 5], new Array<number>(5).fill(0)),
    ],
  });
}

/**
 * A head with every supported operator: Conv → Relu (the feature map) → MaxPool 2×2 → AveragePool 3×3 pad 1 →
 * GlobalAveragePool → Flatten → Reshape [1, −1] → BatchNormalization → Gemm (transB, α = 0.7, β = 0.5) → LeakyRelu →
 * Dropout → MatMul → Add → Clip [−1, 1.5] → Mul 2 → Sub 0.25 → Div 1.5 → Identity → Softmax. Input 3 × 8 × 8.
 */
export function richHeadModel(): Uint8Array {
  const nodes = [
    node('Conv', ['image', 'convW', 'convB'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv'),
    node('Relu', ['conv'], ['features'], {}, 'relu'),
    node('MaxPool', ['features'], ['max'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }, 'maxpool'),
    node('AveragePool', ['max'], ['avg'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'avgpool'),
    node('GlobalAveragePool', ['avg'], ['gap'], {}, 'gap'),
    node('Flatten', ['gap'], ['flat'], { axis: { i: 1 } }, 'flatten'),
    node('Reshape', ['flat', 'shape'], ['reshaped'], {}, 'reshape'),
    node('BatchNormalization', ['reshaped', 'gamma', 'beta', 'mean', 'variance'], ['bn'], {}, 'bn'),
    node('Gemm', ['bn', 'fc1', 'fc1Bias'], ['hidden'], { transB: { i: 1 }, alpha: { f: 0.7 }, beta: { f: 0.5 } }, 'fc1'),
    node('LeakyRelu', ['hidden'], ['leaky'], { alpha: { f: 0.1 } }, 'leaky'),
    node('Dropout', ['leaky'], ['dropped'], {}, 'dropout'),
    node('MatMul', ['dropped', 'fc2'], ['mm'], {}, 'fc2'),
    node('Add', ['mm', 'fc2Bias'], ['added'], {}, 'bias'),
    node('Clip', ['added', 'low', 'high'], ['clipped'], {}, 'clip'),
    node('Mul', ['clipped', 'two'], ['doubled'], {}, 'mul'),
    node('Sub', ['doubled', 'quarter'], ['shifted'], {}, 'sub'),
    node('Div', ['shifted', 'divisor'], ['scaled'], {}, 'div'),
    node('Identity', ['scaled'], ['logits'], {}, 'identity'),
    node('Softmax', ['logits'], ['probs'], { axis: { i: 1 } }, 'softmax'),
  ];
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 3, 8, 8])],
    outputs: [valueInfo('probs', FLOAT, [1, 4])],
    nodes,
    initializers: [
      tensor('convW', [6, 3, 3, 3], uniform(162, 21, -0.5, 0.6)),
      tensor('convB', [6], uniform(6, 22, -0.1, 0.2)),
      tensor('shape', [2], [1, -1], INT64),
      tensor('gamma', [6], uniform(6, 23, 0.5, 1.5)),
      tensor('beta', [6], uniform(6, 24, -0.2, 0.2)),
      tensor('mean', [6], uniform(6, 25, 0, 0.3)),
      tensor('variance', [6], uniform(6, 26, 0.2, 1)),
      tensor('fc1', [5, 6], uniform(30, 27, -1, 1)),
      tensor('fc1Bias', [5], uniform(5, 28, -0.3, 0.3)),
      tensor('fc2', [5, 4], uniform(20, 29, -1, 1)),
      tensor('fc2Bias', [4], uniform(4, 30, -0.2, 0.2)),
      tensor('low', [], [-1]),
      tensor('high', [], [1.5]),
      tensor('two', [], [2]),
      tensor('quarter', [], [0.25]),
      tensor('divisor', [], [1.5]),
    ],
  });
}

/** No convolution: Flatten → Gemm → Relu → Gemm on a 1 × 4 × 4 input. */
export function noConvModel(): Uint8Array {
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 1, 4, 4])],
    outputs: [valueInfo('logits', FLOAT, [1, 2])],
    nodes: [
      node('Flatten', ['image'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'w1', 'b1'], ['hidden'], { transB: { i: 1 } }, 'fc1'),
      node('Relu', ['hidden'], ['relu'], {}, 'relu'),
      node('Gemm', ['relu', 'w2', 'b2'], ['logits'], { transB: { i: 1 } }, 'fc2'),
    ],
    initializers: [
      tensor('w1', [3, 16], uniform(48, 31, -1, 1)),
      tensor('b1', [3], [0, 0, 0]),
      tensor('w2', [2, 3], uniform(6, 32, -1, 1)),
      tensor('b2', [2], [0, 0]),
    ],
  });
}

/** Conv → Relu → GAP → Flatten → Gemm → `op` (Tanh, Sigmoid, …) on a 1 × 8 × 8 input: a head or graph with one foreign operator. */
export function headWithOperator(op: string): Uint8Array {
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 1, 8, 8])],
    outputs: [valueInfo('out', FLOAT, [1, 2])],
    nodes: [
      node('Conv', ['image', 'convW'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv'),
      node('Relu', ['conv'], ['relu'], {}, 'relu'),
      node('GlobalAveragePool', ['relu'], ['gap'], {}, 'gap'),
      node('Flatten', ['gap'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'fcW'], ['logits'], { transB: { i: 1 } }, 'fc'),
      node(op, ['logits'], ['out'], {}, 'last'),
    ],
    initializers: [tensor('convW', [3, 1, 3, 3], uniform(27, 41, -0.5, 0.5)), tensor('fcW', [2, 3], uniform(6, 42, -1, 1))],
  });
}

/** A residual block: Conv → Relu → Add(relu, conv) → GAP → Flatten → Gemm, on a 1 × 8 × 8 input. */
export function residualModel(): Uint8Array {
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 1, 8, 8])],
    outputs: [valueInfo('logits', FLOAT, [1, 2])],
    nodes: [
      node('Conv', ['image', 'convW'], ['conv'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, 'conv'),
      node('Relu', ['conv'], ['relu'], {}, 'relu'),
      node('Add', ['relu', 'conv'], ['sum'], {}, 'residual'),
      node('GlobalAveragePool', ['sum'], ['gap'], {}, 'gap'),
      node('Flatten', ['gap'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'fcW'], ['logits'], { transB: { i: 1 } }, 'fc'),
    ],
    initializers: [tensor('convW', [3, 1, 3, 3], uniform(27, 51, -0.5, 0.5)), tensor('fcW', [2, 3], uniform(6, 52, -1, 1))],
  });
}

/** Flatten → Gemm with weights [2, −1] and no bias on a 1 × 1 × 1 × 2 input: LRP by hand. */
export function twoInputModel(): Uint8Array {
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [1, 1, 1, 2])],
    outputs: [valueInfo('logits', FLOAT, [1, 1])],
    nodes: [node('Flatten', ['image'], ['flat'], { axis: { i: 1 } }, 'flatten'), node('Gemm', ['flat', 'w'], ['logits'], {}, 'fc')],
    initializers: [tensor('w', [2, 1], [2, -1])],
  });
}
