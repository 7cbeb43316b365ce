// LRP through the gradient graph: the rules by hand, conservation with zero biases (residual Add included), agreement
// with the TypeScript LRP where both run, and native runs on the residual and dense-Concat reference models.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { lrp } from '../../../src/engine/explain/lrp';
import { GradientSessionCache, relevanceMap } from '../../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { conservationModel, randomImage, residualModel, twoInputModel } from '../explain/analyticModels';

function specFor(inputName: string, channels: 1 | 3, width: number, height: number, layout: 'NCHW' | 'NHWC' = 'NCHW'): ModelSpec {
  return {
    labels: [], inputName, outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
    preprocess: { width, height, channels, layout, resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
  } as unknown as ModelSpec;
}

function normalisedDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const scale = (values: ArrayLike<number>): number => Math.max(1e-30, ...Array.from(values, Math.abs));
  const [a, e] = [scale(actual), scale(expected)];
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] / a - expected[i] / e));
  return worst;
}

describe('LRP through the gradient graph', () => {
  it('by hand on z = 2·x₁ − x₂ at x = (1, 0.5): ε gives (2, −0.5), αβ(1, 0) gives (1.5, 0), αβ(2, 1) gives (3, −1.5)', async () => {
    const cache = new GradientSessionCache(twoInputModel(), specFor('image', 1, 2, 1));
    const image = { input: Float32Array.of(1, 0.5), pixels: new Uint8Array(2), width: 2, height: 1, channels: 1 as const };
    try {
      const close = (actual: ArrayLike<number>, expected: number[]): boolean => expected.every((v, i) => Math.abs(actual[i] - v) < 1e-5);
      const epsilon = await relevanceMap(cache, image, { rule: 'epsilon', epsilon: 1e-9 });
      assert.ok(close(epsilon.data, [2, -0.5]), `${Array.from(epsilon.data)}`);
      assert.ok(close((await relevanceMap(cache, image, { rule: 'alphabeta' })).data, [1.5, 0]));
      assert.ok(close((await relevanceMap(cache, image, { rule: 'alphabeta', alpha: 2, beta: 1 })).data, [3, -1.5]));
    } finally {
      await cache.dispose();
    }
  });

  it('conserves relevance with zero biases (zB at the input, BatchNormalization, AveragePool) and equals the TypeScript LRP', async () => {
    const bytes = conservationModel();
    const cache = new GradientSessionCache(bytes, specFor('image', 3, 16, 16));
    const image = randomImage(3, 16, 8, -1.5, 1.5);
    const inputBounds = { low: [-1.5, -1.5, -1.5], high: [1.5, 1.5, 1.5] };
    try {
      for (let classIndex = 0; classIndex < 5; classIndex++) {
        const map = await relevanceMap(cache, image, { rule: 'epsilon', epsilon: 1e-9, inputBounds, classIndex });
        assert.ok(Math.abs(Number(map.params.conservation) - 1) < 1e-3, `class ${classIndex}: conservation ${map.params.conservation}`);
        const reference = await lrp(bytes, image, { classIndex, epsilon: 1e-9, inputBounds });
        assert.ok(normalisedDifference(map.data, reference.data) < 1e-4, `class ${classIndex} matches the TypeScript LRP`);
      }
      const alphaBeta = await relevanceMap(cache, image, { rule: 'alphabeta', classIndex: 2 });
      const reference = await lrp(bytes, image, { classIndex: 2, rule: 'alphabeta' });
      assert.ok(normalisedDifference(alphaBeta.data, reference.data) < 1e-4, 'αβ matches the TypeScript LRP');
    } finally {
      await cache.dispose();
    }
  });

  it('splits relevance at a residual Add in proportion to the contributions: conservation 1 without biases', async () => {
    const cache = new GradientSessionCache(residualModel(), specFor('image', 1, 8, 8));
    try {
      const map = await relevanceMap(cache, randomImage(1, 8, 5, 0, 1), { rule: 'epsilon', epsilon: 1e-9, classIndex: 0 });
      assert.ok(Math.abs(Number(map.params.conservation) - 1) < 1e-3, `conservation ${map.params.conservation}`);
    } finally {
      await cache.dispose();
    }
  });

  for (const name of ['resnet', 'mobilenetv2', 'mobilenetv3', 'efficientnet', 'squeezenet', 'vgg', 'densenet', 'googlenet', 'shufflenet', 'convnext', 'regnet', 'nhwc']) {
    it(`runs natively on the ${name} reference model (ε, γ and αβ), conservation reported`, async () => {
      const fixtures = path.resolve(__dirname, '../../fixtures/gradient');
      const reference = (JSON.parse(readFileSync(path.join(fixtures, 'references.json'), 'utf8')) as { models: Array<{ name: string; size: number; input: string; layout: 'NCHW' | 'NHWC' }> }).models.find((m) => m.name === name);
      assert.ok(reference);
      const cache = new GradientSessionCache(readFileSync(path.join(fixtures, `${name}.onnx`)), specFor('input', 3, reference.size, reference.size, reference.layout));
      const bytes = Buffer.from(reference.input, 'base64');
      const image = { input: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), pixels: new Uint8Array(3 * reference.size ** 2), width: reference.size, height: reference.size, channels: 3 as const };
      try {
        for (const rule of ['epsilon', 'gamma', 'alphabeta'] as const) {
          const map = await relevanceMap(cache, image, { rule, inputBounds: { low: [-1, -1, -1], high: [1, 1, 1] } });
          assert.ok(map.data.every(Number.isFinite) && Math.max(...map.data) > Math.min(...map.data), `${rule}: a finite, non-constant map`);
          assert.ok(Number.isFinite(Number(map.params.conservation)), `${rule}: conservation ${map.params.conservation}`);
        }
      } finally {
        await cache.dispose();
      }
    });
  }
});
