// Checks a gradient graph against central finite differences of the forward model, both run by ONNX Runtime.
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GradientModel } from '../../../src/engine/gradient/gradientModel';
import { seededRandom } from '../explain/analyticModels';
import { encodeModel, FLOAT, valueInfo, type ModelParts } from '../model/onnxBuilder';

/** A one-input, one-output float model around `nodes`, input 'x' of `inputShape`, output 'y' (shape left unrecorded). */
export function model(inputShape: number[], parts: Omit<ModelParts, 'inputs' | 'outputs'>): Uint8Array {
  return encodeModel({ inputs: [valueInfo('x', FLOAT, inputShape)], outputs: [valueInfo('y', FLOAT)], ...parts });
}

/** Seeded values in [low, high). */
export function values(count: number, seed: number, low = -1, high = 1): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => low + (high - low) * random());
}

/**
 * The largest difference between the gradient graph's d(Σ seed ⊙ y)/dx and its central finite difference (step `h`),
 * relative to the largest gradient value (at least 1); asserts it is under `tolerance`.
 */
export async function checkGradient(bytes: Uint8Array, inputShape: number[], options: { seed?: number; h?: number; tolerance?: number; input?: Float32Array; sources?: string[] } = {}): Promise<number> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const x = options.input ?? Float32Array.from(values(size, options.seed ?? 3));
  const gradientModel = await GradientModel.open(bytes, { inputDims: inputShape, score: 'y', threads: 1 });
  const forward = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  try {
    const yShape = gradientModel.shapes.get('y') ?? [];
    const seed = Float32Array.from(values(yShape.reduce((a, b) => a * b, 1), 11));
    const { gradients } = await gradientModel.run(x, seed);
    const gradient = gradients.get('x');
    assert.ok(gradient);
    assert.deepEqual(gradient.dims, inputShape);
    const f = async (input: Float32Array): Promise<number> => {
      const out = (await forward.run({ x: new ort.Tensor('float32', input, inputShape) })).y.data as Float32Array;
      let total = 0;
      for (let i = 0; i < out.length; i++) total += Number(seed[i]) * Number(out[i]);
      return total;
    };
    const h = options.h ?? 1e-3;
    let worst = 0;
    let scale = 1;
    for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(gradient.data[i]));
    for (let i = 0; i < size; i++) {
      const plus = Float32Array.from(x);
      const minus = Float32Array.from(x);
      plus[i] += h;
      minus[i] -= h;
      const numeric = ((await f(plus)) - (await f(minus))) / (plus[i] - minus[i]);
      worst = Math.max(worst, Math.abs(numeric - gradient.data[i]) / scale);
    }
    assert.ok(worst < (options.tolerance ?? 2e-3), `largest relative difference from finite differences: ${worst}`);
    return worst;
  } finally {
    await gradientModel.dispose();
    await forward.release();
  }
}
