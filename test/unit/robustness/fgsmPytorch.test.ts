// FGSM through the model's own gradient graph against PyTorch autograd on the same weights, images and preprocessing
// (values frozen by test/fixtures/robustness/makeFgsmReference.py): the sign of the loss gradient in pixel space, the
// adversarial logits and the adversarial class at ε = 1, 2, 4, 8, 16, 32 pixel levels.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GradientSessionCache } from '../../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { preprocessImage } from '../../../src/engine/model/preprocess';
import { fgsm, lossGradient, PixelSpace } from '../../../src/engine/robustness/attacks';

const FIXTURES = path.resolve(__dirname, '../../fixtures/robustness');

interface Case {
  image: string;
  label: number;
  cleanLogits: number[];
  gradientSign: string;
  adversarial: Array<{ epsilon: number; logits: number[]; predicted: number }>;
}
const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'fgsm-reference.json'), 'utf8')) as { mean: number[]; std: number[]; cases: Case[] };

const spec = {
  labels: ['a', 'b', 'c', 'd'], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
  preprocess: { width: 16, height: 16, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1 / 255, mean: reference.mean, std: reference.std, inputType: 'float32' },
} as unknown as ModelSpec;

describe('FGSM against PyTorch (same weights)', function () {
  this.timeout(120_000);
  let cache: GradientSessionCache;
  before(() => {
    cache = new GradientSessionCache(readFileSync(path.join(FIXTURES, 'fgsm-cnn.onnx')), spec);
  });
  after(async () => cache.dispose());

  it('gives PyTorch\'s loss-gradient sign, adversarial logits and adversarial class for every image and ε', async () => {
    const model = await cache.inputGradients();
    const space = new PixelSpace(spec.preprocess);
    let flips = 0;
    for (const item of reference.cases) {
      const input = (await preprocessImage(path.join(FIXTURES, item.image), spec.preprocess)) as Float32Array;
      const { gradient, score } = await lossGradient(model, input, item.label, 'logits');
      score.forEach((value, k) => assert.ok(Math.abs(value - item.cleanLogits[k]) < 1e-4, `${item.image}: clean logit ${k}`));
      const expectedSign = new Int8Array(Buffer.from(item.gradientSign, 'base64'));
      let disagree = 0;
      for (let i = 0; i < expectedSign.length; i++) if (Math.sign(gradient.data[i] * space.perLevel[i]) !== expectedSign[i]) disagree++;
      assert.equal(disagree, 0, `${item.image}: ${disagree} of ${expectedSign.length} gradient signs differ from PyTorch's`);
      for (const expected of item.adversarial) {
        const { adversarial, predicted } = await fgsm(model, space, input, item.label, expected.epsilon, 'logits');
        const logits = (await model.run(adversarial, 0)).score.data;
        logits.forEach((value, k) => assert.ok(Math.abs(value - expected.logits[k]) < 1e-4, `${item.image} ε=${expected.epsilon}: logit ${k} ${value} vs ${expected.logits[k]}`));
        assert.equal(predicted, expected.predicted, `${item.image} ε=${expected.epsilon}`);
        if (predicted !== item.label) flips++;
      }
    }
    // The reference flips 67 of the 72 (image, ε) pairs: the check covers both outcomes.
    assert.equal(flips, 67);
  });
});
