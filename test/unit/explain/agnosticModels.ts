// Tiny hand-built ONNX models whose right explanation is known, for the model-agnostic methods: every one is
// Flatten → Gemm on a greyscale S×S image (values v/255), so each class score is a weighted sum of pixels.
import sharp from 'sharp';
import type { ModelSpec, OutputKind } from '../../../src/engine/model/modelTypes';
import { encodeModel, FLOAT, node, tensor, valueInfo } from '../model/onnxBuilder';

/** A Flatten → Gemm model: scores[k] = Σ_i weights[k][i] · input[i] + bias[k] over the flattened C×S×S input. */
export function gemmImageModel(options: { size: number; channels?: 1 | 3; weights: number[][]; bias: number[]; batch?: number | string }): Uint8Array {
  const channels = options.channels ?? 1;
  const batch = options.batch ?? 'N';
  const features = channels * options.size * options.size;
  const classes = options.weights.length;
  return encodeModel({
    inputs: [valueInfo('image', FLOAT, [batch, channels, options.size, options.size])],
    outputs: [valueInfo('scores', FLOAT, [batch, classes])],
    nodes: [
      node('Flatten', ['image'], ['flat'], { axis: { i: 1 } }, 'flatten'),
      node('Gemm', ['flat', 'W', 'B'], ['scores'], { transB: { i: 1 } }, 'head'),
    ],
    initializers: [tensor('W', [classes, features], options.weights.flat()), tensor('B', [classes], options.bias)],
  });
}

/** Weights that average region `inside(x, y)` of an S×S image over all channels, times `gain`. */
export function regionMeanWeights(size: number, channels: 1 | 3, inside: (x: number, y: number) => boolean, gain = 1): number[] {
  let count = 0;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (inside(x, y)) count++;
  const out: number[] = [];
  for (let c = 0; c < channels; c++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out.push(inside(x, y) ? gain / (count * channels) : 0);
  return out;
}

/** Quadrant q of an S×S image: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right. */
export function inQuadrant(size: number, q: number): (x: number, y: number) => boolean {
  const half = size / 2;
  return (x, y) => (x >= half ? 1 : 0) + (y >= half ? 2 : 0) === q;
}

/**
 * The analytic model: logits [g(m − t), −g(m − t)] with m the mean of the top-left quadrant (values in 0–1), so
 * P(class 0) = σ(2g(m − t)) depends on that quadrant only.
 */
export function quadrantModel(size = 16, channels: 1 | 3 = 1, gain = 4, threshold = 0.5, batch: number | string = 'N'): Uint8Array {
  const row = regionMeanWeights(size, channels, inQuadrant(size, 0), gain);
  return gemmImageModel({ size, channels, batch, weights: [row, row.map((w) => -w)], bias: [-gain * threshold, gain * threshold] });
}

/** f = Σ_q w_q · mean_q + bias as "probabilities" (used as they are): linear in which quadrants are kept. */
export function linearQuadrantModel(size: number, quadrantWeights: number[], bias: number): Uint8Array {
  const row = new Array<number>(size * size).fill(0);
  quadrantWeights.forEach((w, q) => regionMeanWeights(size, 1, inQuadrant(size, q), w).forEach((value, i) => (row[i] += value)));
  return gemmImageModel({ size, weights: [row, new Array<number>(size * size).fill(0)], bias: [bias, 0] });
}

/** Class 0 logit = a · mean(left half) + b · mean(right half), class 1 logit = t. */
export function twoRegionModel(size: number, a: number, b: number, t: number): Uint8Array {
  const left = regionMeanWeights(size, 1, (x) => x < size / 2, a);
  const right = regionMeanWeights(size, 1, (x) => x >= size / 2, b);
  return gemmImageModel({ size, weights: [left.map((w, i) => w + right[i]), new Array<number>(size * size).fill(0)], bias: [0, t] });
}

/** The spec of these models: S×S, stretch, NCHW, scale 1/255, no normalisation. */
export function explainSpec(size: number, options: { channels?: 1 | 3; outputKind?: OutputKind | 'auto'; labels?: string[]; fixedBatch?: number } = {}): ModelSpec {
  const channels = options.channels ?? 1;
  return {
    labels: options.labels ?? ['yes', 'no'],
    preprocess: { width: size, height: size, resize: 'stretch', layout: 'NCHW', channels, channelOrder: 'RGB', scale: 1 / 255, mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1), inputType: 'float32' },
    inputName: 'image',
    outputName: 'scores',
    outputKind: options.outputKind ?? 'auto',
    labelMap: {},
    ...(options.fixedBatch !== undefined ? { fixedBatch: options.fixedBatch } : {}),
    sources: {},
  };
}

/** A PNG of width × height with `value(x, y)` as its grey level (or RGB triple). */
export async function pngOf(width: number, height: number, value: (x: number, y: number) => number | [number, number, number]): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = value(x, y);
      const rgb = typeof v === 'number' ? [v, v, v] : v;
      data.set(rgb, (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}


/** Share of the positive mass of `map` (W × W) inside the top-left quadrant. */
export function positiveMassInQuadrant(map: ArrayLike<number>, size: number, q = 0): number {
  const inside = inQuadrant(size, q);
  let total = 0;
  let within = 0;
  for (let i = 0; i < map.length; i++) {
    const value = Math.max(0, map[i]);
    total += value;
    if (inside(i % size, Math.floor(i / size))) within += value;
  }
  return total > 0 ? within / total : 0;
}

/** Quadrant grey levels of the analytic images (top-left brightest), the texture adds 0–30. */
export const QUADRANT_LEVELS = [200, 120, 160, 90];

/** A size × size image with a different grey level per quadrant and a texture of 0–30 grey levels. */
export function quadrantImage(size: number): (x: number, y: number) => number {
  return (x, y) => QUADRANT_LEVELS[(x >= size / 2 ? 1 : 0) + (y >= size / 2 ? 2 : 0)] + ((x * 7 + y * 13) % 11) * 3;
}
