// Integrated Gradients' completeness, SmoothGrad and gradient × input on the small reference models, and the
// explainer running every gradient method natively (no occlusion fallback) on a residual network.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GradientSessionCache, gradientTimesInput, inputGradient, integratedGradients, smoothGrad } from '../../../src/engine/gradient/gradientExplain';
import type { ExplainImage } from '../../../src/engine/explain/explainTypes';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';

const FIXTURES = path.resolve(__dirname, '../../fixtures/gradient');
const references = (JSON.parse(readFileSync(path.join(FIXTURES, 'references.json'), 'utf8')) as { models: Array<{ name: string; size: number; input: string; logits: number[]; classIndex: number }> }).models;

function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function setUp(name: string): { cache: GradientSessionCache; image: ExplainImage; bytes: Uint8Array; reference: (typeof references)[number] } {
  const reference = references.find((r) => r.name === name);
  assert.ok(reference);
  const bytes = readFileSync(path.join(FIXTURES, `${name}.onnx`));
  const spec = {
    labels: [], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
    preprocess: { width: reference.size, height: reference.size, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
  } as unknown as ModelSpec;
  const input = floats(reference.input);
  return { cache: new GradientSessionCache(bytes, spec), bytes, reference, image: { input, pixels: new Uint8Array(3 * reference.size ** 2), width: reference.size, height: reference.size, channels: 3 } };
}

describe('input attribution methods', () => {
  for (const name of ['resnet', 'densenet', 'googlenet', 'vgg']) {
    it(`Integrated Gradients on ${name}: attributions sum to f(x) − f(0) within 1% (f(x) from PyTorch, f(0) from a plain forward run)`, async () => {
      const { cache, image, bytes, reference } = setUp(name);
      try {
        const result = await integratedGradients(cache, image, { classIndex: reference.classIndex, steps: 64 });
        const session = await ort.InferenceSession.create(bytes);
        const zero = (await session.run({ input: new ort.Tensor('float32', new Float32Array(image.input.length), [1, 3, reference.size, reference.size]) })).logits.data as Float32Array;
        await session.release();
        const expected = reference.logits[reference.classIndex] - zero[reference.classIndex];
        const sum = result.attributions.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - expected) <= 0.01 * Math.abs(expected), `Σ attributions ${sum} vs f(x) − f(0) = ${expected}`);
        assert.equal(result.data.length, reference.size ** 2);
      } finally {
        await cache.dispose();
      }
    });
  }

  it('gradient × input is the input gradient times the input, summed over channels; SmoothGrad with no noise is |gradient| summed', async () => {
    const { cache, image, reference } = setUp('mobilenetv2');
    try {
      const { gradient } = await inputGradient(cache, image.input, reference.classIndex);
      const plane = reference.size ** 2;
      const product = await gradientTimesInput(cache, image, { classIndex: reference.classIndex });
      const smooth = await smoothGrad(cache, image, { classIndex: reference.classIndex, samples: 2, noise: 0 });
      for (const p of [0, 17, plane - 1]) {
        const expectedProduct = [0, 1, 2].reduce((sum, c) => sum + gradient.data[c * plane + p] * image.input[c * plane + p], 0);
        const expectedSmooth = [0, 1, 2].reduce((sum, c) => sum + Math.abs(gradient.data[c * plane + p]), 0);
        assert.ok(Math.abs(product.data[p] - expectedProduct) < 1e-6);
        assert.ok(Math.abs(smooth.data[p] - expectedSmooth) < 1e-6);
      }
      const noisy = await smoothGrad(cache, image, { classIndex: reference.classIndex, samples: 4, seed: 3 });
      assert.notDeepEqual(Array.from(noisy.data), Array.from(smooth.data), 'noise changes the map');
    } finally {
      await cache.dispose();
    }
  });
});
