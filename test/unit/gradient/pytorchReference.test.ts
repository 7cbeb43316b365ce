// Grad-CAM and the input gradient on small versions of the common CNN families (and an NHWC graph), against PyTorch
// autograd's values frozen by test/fixtures/gradient/makeReferences.py on the same weights and input.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { camMap, GradientSessionCache, inputGradient } from '../../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { floats, normalisedDifference } from './referenceArrays';

const FIXTURES = path.resolve(__dirname, '../../fixtures/gradient');

interface Reference {
  name: string;
  note: string;
  size: number;
  layout: 'NCHW' | 'NHWC';
  classIndex: number;
  input: string;
  logits: number[];
  camShape: [number, number];
  cam: string;
  inputGradient: string;
}

const references = (JSON.parse(readFileSync(path.join(FIXTURES, 'references.json'), 'utf8')) as { models: Reference[] }).models;


function specFor(reference: Reference): ModelSpec {
  return {
    labels: [], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
    preprocess: { width: reference.size, height: reference.size, channels: 3, layout: reference.layout, resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
  } as unknown as ModelSpec;
}

describe('gradients against PyTorch autograd', () => {
  for (const reference of references) {
    it(`${reference.name}: ${reference.note}`, async () => {
      const cache = new GradientSessionCache(readFileSync(path.join(FIXTURES, `${reference.name}.onnx`)), specFor(reference));
      try {
        const input = floats(reference.input);
        const { gradient, score, classIndex } = await inputGradient(cache, input);
        assert.equal(classIndex, reference.classIndex, 'the predicted class is PyTorch\'s');
        assert.ok(normalisedDifference(score, reference.logits) < 1e-4, 'logits match');
        const inputDifference = normalisedDifference(gradient.data, floats(reference.inputGradient));
        assert.ok(inputDifference < 1e-4, `input gradient differs by ${inputDifference} after normalisation`);

        const { model, cam } = await cache.camGradients();
        assert.deepEqual([cam.height, cam.width], reference.camShape, `Grad-CAM layer '${cam.name}' (${cam.layout}) has PyTorch's spatial size`);
        const run = await model.run(input, classIndex);
        const map = camMap(run.values.get(cam.name)?.data as Float32Array, run.gradients.get(cam.name)?.data as Float32Array, cam, 'gradcam');
        const camDifference = normalisedDifference(map, floats(reference.cam));
        assert.ok(camDifference < 1e-4, `Grad-CAM map at '${cam.name}' differs by ${camDifference} after normalisation`);
      } finally {
        await cache.dispose();
      }
    });
  }
});
