// A tiny Vision Transformer (torchvision's VisionTransformer, exported at opset 13 with LayerNorm decomposed and at
// opset 17 with LayerNormalization nodes): the input gradient, Integrated Gradients and the token-map Grad-CAM against
// PyTorch autograd's values frozen by test/fixtures/gradient/makeVitReference.py on the same weights and input.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { camMap, GradientSessionCache, inputGradient, integratedGradients } from '../../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { floats, normalisedDifference } from './referenceArrays';

const FIXTURES = path.resolve(__dirname, '../../fixtures/gradient');

interface VitReference {
  models: Array<{ name: string; opset: number }>;
  size: number;
  classIndex: number;
  steps: number;
  input: string;
  logits: number[];
  inputGradient: string;
  integratedGradients: string;
  integratedGradientsSum: number;
  scoreDifference: number;
  camShape: [number, number];
  cam: string;
}

const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'vit-references.json'), 'utf8')) as VitReference;


const spec = {
  labels: [], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
  preprocess: { width: reference.size, height: reference.size, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
} as unknown as ModelSpec;

describe('gradients of a Vision Transformer against PyTorch autograd', function () {
  this.timeout(120_000);
  for (const { name, opset } of reference.models) {
    describe(`${name} (opset ${opset})`, () => {
      let cache: GradientSessionCache;
      const input = floats(reference.input);
      before(() => {
        cache = new GradientSessionCache(readFileSync(path.join(FIXTURES, `${name}.onnx`)), spec);
      });
      after(async () => cache.dispose());

      it('input gradient and gradient × input', async () => {
        const { gradient, score, classIndex } = await inputGradient(cache, input);
        assert.equal(classIndex, reference.classIndex, "the predicted class is PyTorch's");
        assert.ok(normalisedDifference(score, reference.logits) < 1e-4, 'logits match');
        const expected = floats(reference.inputGradient);
        const difference = normalisedDifference(gradient.data, expected);
        assert.ok(difference < 1e-4, `input gradient differs by ${difference} after normalisation`);
        const product = normalisedDifference(gradient.data.map((g, i) => g * input[i]), expected.map((g, i) => g * input[i]));
        assert.ok(product < 1e-4, `gradient × input differs by ${product} after normalisation`);
      });

      it('Integrated Gradients (zero baseline, 32 midpoint steps)', async () => {
        const image = { input, pixels: new Uint8Array(3 * reference.size ** 2), width: reference.size, height: reference.size, channels: 3 as const };
        const result = await integratedGradients(cache, image, { steps: reference.steps, baseline: new Float32Array(input.length), classIndex: reference.classIndex });
        const difference = normalisedDifference(result.attributions, floats(reference.integratedGradients));
        assert.ok(difference < 1e-4, `attributions differ by ${difference} after normalisation`);
        assert.ok(Math.abs(result.completeness.sum - reference.integratedGradientsSum) < 1e-4 * Math.abs(reference.integratedGradientsSum) + 1e-5, `Σ attributions ${result.completeness.sum} against PyTorch's ${reference.integratedGradientsSum}`);
        assert.ok(Math.abs(result.completeness.difference - reference.scoreDifference) < 1e-4, `f(x) − f(0) ${result.completeness.difference} against PyTorch's ${reference.scoreDifference}`);
      });

      it('token-map Grad-CAM at the input of the last encoder block, class token left out', async () => {
        const { model, cam } = await cache.camGradients();
        assert.equal(cam.layout, 'tokens', `Grad-CAM reads '${cam.name}' (${cam.reason})`);
        assert.equal(cam.skippedTokens, 1);
        assert.deepEqual([cam.height, cam.width], reference.camShape);
        const run = await model.run(input, reference.classIndex);
        const map = camMap(run.values.get(cam.name)?.data as Float32Array, run.gradients.get(cam.name)?.data as Float32Array, cam, 'gradcam');
        const difference = normalisedDifference(map, floats(reference.cam));
        assert.ok(difference < 1e-4, `the token map at '${cam.name}' differs by ${difference} after normalisation`);
      });
    });
  }
});
