// Layer-wise relevance propagation: hand-computed relevance, conservation with zero biases, analytic quadrant maps,
// the errors, and the demo and MNIST models.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../../../src/engine/errors';
import type { Heatmap } from '../../../src/engine/explain/explainTypes';
import { ExplainSessionCache } from '../../../src/engine/explain/headSession';
import { lrp, type LrpOptions } from '../../../src/engine/explain/lrp';
import { readIdx } from '../model/idx';
import { conservationModel, headWithOperator, quadrantDenseModel, quadrantGapModel, randomImage, residualModel, topLeftShare, twoInputModel } from './analyticModels';
import { requireSharedData, sharedDataPath } from '../sharedData';

const DEMO_MODEL = path.resolve(__dirname, '../../../models/demo/lesion-cnn.onnx');
const MNIST = sharedDataPath('mnist');
const RULES: Array<{ name: string; options: LrpOptions }> = [
  { name: 'ε', options: { rule: 'epsilon' } },
  { name: 'αβ (α = 1, β = 0)', options: { rule: 'alphabeta', alpha: 1, beta: 0 } },
  { name: 'αβ (α = 2, β = 1)', options: { rule: 'alphabeta', alpha: 2, beta: 1 } },
];

function sum(data: ArrayLike<number>): number {
  return Array.from(data).reduce((total, v) => total + v, 0);
}

function assertUsableMap(map: Heatmap, width: number, height: number): void {
  assert.equal(map.width, width);
  assert.equal(map.height, height);
  assert.equal(map.data.length, width * height);
  assert.ok(map.data.every(Number.isFinite), 'every value is finite');
  assert.ok(Math.max(...map.data) > Math.min(...map.data), 'the map is not constant');
}

describe('LRP', () => {
  describe('rules, by hand', () => {
    // One output z = 2·x₁ − 1·x₂ at x = (1, 0.5): z = 1.5, contributions (2, −0.5), z⁺ = 2, z⁻ = −0.5.
    const image = { input: Float32Array.of(1, 0.5), pixels: new Uint8Array(2), width: 2, height: 1, channels: 1 as const };

    it('ε-rule: R_i = x_i w_i / z · z = (2, −0.5)', async () => {
      const map = await lrp(twoInputModel(), image, { epsilon: 1e-9 });
      assert.ok(Math.abs(map.data[0] - 2) < 1e-6 && Math.abs(map.data[1] + 0.5) < 1e-6, `${map.data[0]}, ${map.data[1]}`);
      assert.equal(map.params.logit, 1.5);
      assert.equal(map.modelCalls, 1);
    });

    it('αβ-rule: α = 1, β = 0 gives (1.5, 0); α = 2, β = 1 gives (2·1·1.5, −1·1·1.5) = (3, −1.5)', async () => {
      const zPlus = await lrp(twoInputModel(), image, { rule: 'alphabeta' });
      assert.deepEqual(Array.from(zPlus.data), [1.5, 0]);
      const twoOne = await lrp(twoInputModel(), image, { rule: 'alphabeta', alpha: 2, beta: 1 });
      assert.deepEqual(Array.from(twoOne.data), [3, -1.5]);
      await assert.rejects(lrp(twoInputModel(), image, { rule: 'alphabeta', alpha: 2, beta: 0.5 }), (error: unknown) => FairframeError.is(error, 'unsupported-model'));
    });
  });

  describe('zB-rule at the input (pixels bounded by l ≤ x ≤ h)', () => {
    it('by hand: z = 2x₁ − x₂ at x = (1, 0.5), l = 0, h = 1: U = 1.5 − 0 − (1·(−1)) = 2.5, R = (2, 0.5) / 2.5 · 1.5 = (1.2, 0.3)', async () => {
      const image = { input: Float32Array.of(1, 0.5), pixels: new Uint8Array(2), width: 2, height: 1, channels: 1 as const };
      const map = await lrp(twoInputModel(), image, { inputBounds: { low: [0], high: [1] } });
      assert.ok(Math.abs(map.data[0] - 1.2) < 1e-6 && Math.abs(map.data[1] - 0.3) < 1e-6, `${map.data[0]}, ${map.data[1]}`);
      assert.equal(map.params.inputRule, 'zB');
      assert.match(map.note ?? '', /zB-rule at the input layer/);
      // Bounds the other way round are the same range.
      const swapped = await lrp(twoInputModel(), image, { inputBounds: { low: [1], high: [0] } });
      assert.deepEqual(Array.from(swapped.data), Array.from(map.data));
    });

    it('conserves relevance with zero biases, with BatchNormalization folded into the first Conv', async () => {
      const image = randomImage(3, 16, 8, -1.5, 1.5);
      for (let classIndex = 0; classIndex < 5; classIndex++) {
        const map = await lrp(conservationModel(), image, { classIndex, inputBounds: { low: [-1.5, -1.5, -1.5], high: [1.5, 1.5, 1.5] } });
        const logit = Number(map.params.logit);
        assert.equal(map.params.inputRule, 'zB');
        assert.ok(Math.abs(sum(map.data) - logit) <= 1e-4 * Math.abs(logit), `class ${classIndex}: Σ R = ${sum(map.data)}, logit ${logit}`);
      }
    });
  });

  describe('conservation with zero biases (Σ R_input = logit)', () => {
    for (const { name, options } of RULES) {
      it(`${name}: to 1e-4 relative for every class, through Conv, BatchNormalization, AveragePool, strided Conv, GAP, MatMul + Add and a final Softmax, on normalised (signed) inputs`, async () => {
        const image = randomImage(3, 16, 8, -1.5, 1.5);
        for (let classIndex = 0; classIndex < 5; classIndex++) {
          const map = await lrp(conservationModel(), image, { ...options, classIndex });
          const logit = Number(map.params.logit);
          assert.ok(Math.abs(sum(map.data) - logit) <= 1e-4 * Math.abs(logit), `class ${classIndex}: Σ R = ${sum(map.data)}, logit ${logit}`);
          assert.ok(Math.abs(Number(map.params.conservation) - 1) <= 1e-4);
        }
      });
    }

    it('ε: on the quadrant model with MaxPool and a dense head', async () => {
      const map = await lrp(quadrantDenseModel(), randomImage(1, 32, 9), { classIndex: 0 });
      assert.ok(Math.abs(Number(map.params.conservation) - 1) <= 1e-4, String(map.params.conservation));
    });
  });

  describe('analytic maps', () => {
    for (const { name, options } of RULES) {
      it(`${name}: ≥ 90% of the positive relevance in the top-left quadrant the class score reads (dense head, mask head)`, async () => {
        const dense = await lrp(quadrantDenseModel(), randomImage(1, 32, 10), { ...options, classIndex: 0 });
        assert.ok(topLeftShare(dense.data, 32, 32) >= 0.9, `dense head: ${topLeftShare(dense.data, 32, 32)}`);
        const masked = await lrp(quadrantGapModel(), randomImage(3, 32, 11), { ...options, classIndex: 0 });
        assert.ok(topLeftShare(masked.data, 32, 32) >= 0.9, `mask head: ${topLeftShare(masked.data, 32, 32)}`);
      });
    }

    it('is deterministic: the same input gives an identical map, with or without a session cache', async () => {
      const image = randomImage(3, 16, 12);
      const cache = new ExplainSessionCache();
      try {
        const first = await lrp(conservationModel(), image, { rule: 'alphabeta', alpha: 2, beta: 1 });
        const second = await lrp(conservationModel(), image, { rule: 'alphabeta', alpha: 2, beta: 1, sessions: cache });
        const third = await lrp(conservationModel(), image, { rule: 'alphabeta', alpha: 2, beta: 1, sessions: cache });
        assert.deepEqual(second.data, first.data);
        assert.deepEqual(third.data, first.data);
      } finally {
        await cache.dispose();
      }
    });
  });

  describe('errors', () => {
    it('names an operator it cannot propagate through', async () => {
      await assert.rejects(lrp(headWithOperator('Sigmoid'), randomImage(1, 8, 1)), (error: unknown) =>
        FairframeError.is(error, 'unsupported-model') && /Sigmoid/.test(error.message) && error.details?.op === 'Sigmoid' && /occlusion/.test(error.message));
    });

    it('refuses a residual graph, and an image the model cannot take', async () => {
      await assert.rejects(lrp(residualModel(), randomImage(1, 8, 1)), (error: unknown) => FairframeError.is(error, 'unsupported-model') && /residual/.test(error.message));
      await assert.rejects(lrp(conservationModel(), randomImage(1, 16, 1)), (error: unknown) => FairframeError.is(error, 'bad-image'));
    });
  });

  describe('real models', () => {
    for (const { name, options } of RULES) {
      it(`${name}: the demo lesion model gives a 64 × 64 map and reports its conservation`, async () => {
        const map = await lrp(readFileSync(DEMO_MODEL), randomImage(3, 64, 13, -2, 2), options);
        assertUsableMap(map, 64, 64);
        assert.ok(Number.isFinite(Number(map.params.conservation)));
        if (options.rule === 'alphabeta') assert.ok(Math.abs(Number(map.params.conservation) - 1) < 1e-4, 'αβ leaves biases out, so it conserves');
        assert.match(map.note ?? '', /conservation/);
      });

      it(`${name}: the real MNIST model gives a 28 × 28 map with no relevance on the black background`, async function () {
        requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
        const images = readIdx(readFileSync(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
        const pixels = images.data.slice(0, 784);
        const input = Float32Array.from(pixels, (v) => v / 255);
        const map = await lrp(readFileSync(path.join(MNIST, 'mnist.onnx')), { input, pixels, width: 28, height: 28, channels: 1 }, options);
        assertUsableMap(map, 28, 28);
        assert.equal(map.classIndex, 7);
        // Every rule multiplies by the input value: a black pixel (x = 0) receives no relevance.
        pixels.forEach((value, i) => { if (value === 0) assert.equal(map.data[i], 0); });
      });
    }
  });
});
