// CAM and Grad-CAM: analytic models where the right map is known, the head's gradient against finite differences,
// CAM = Grad-CAM on a GAP head, the errors, and the demo and MNIST models.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../../../src/engine/errors';
import type { ExplainImage, Heatmap } from '../../../src/engine/explain/explainTypes';
import { findCamLayer, gradCam } from '../../../src/engine/explain/gradCam';
import { upsampleBilinear } from '../../../src/engine/explain/heatmapRender';
import { HeadAutodiff } from '../../../src/engine/explain/headAutodiff';
import { defaultOpset, GraphIndex, type Tensor } from '../../../src/engine/explain/headGraph';
import { ExplainSessionCache } from '../../../src/engine/explain/headSession';
import { loadModelProto } from '../../../src/engine/model/onnxModel';
import { readIdx } from '../model/idx';
import { GAP_HEAD, headWithOperator, noConvModel, quadrantDenseModel, quadrantGapModel, randomImage, richHeadModel, seededRandom, topLeftShare } from './analyticModels';
import { requireSharedData, sharedDataPath } from '../sharedData';

const DEMO_MODEL = path.resolve(__dirname, '../../../models/demo/lesion-cnn.onnx');
const MNIST = sharedDataPath('mnist');

/** The map divided by its maximum. */
function normalised(data: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(data));
  return Array.from(data, (v) => v / max);
}

/** Asserts a finite, non-constant map of the given size. */
function assertUsableMap(map: Heatmap, width: number, height: number): void {
  assert.equal(map.width, width);
  assert.equal(map.height, height);
  assert.equal(map.data.length, width * height);
  assert.ok(map.data.every(Number.isFinite), 'every value is finite');
  assert.ok(Math.max(...map.data) > Math.min(...map.data), 'the map is not constant');
}

/** A synthetic lesion for the demo model: a dark disc on skin tone, normalised with the model's mean and std. */
function demoImage(): ExplainImage {
  const size = 64;
  const mean = [0.751338, 0.604247, 0.495164];
  const std = [0.188794, 0.19058, 0.189768];
  const pixels = new Uint8Array(size * size * 3);
  const input = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inLesion = (x - 40) ** 2 + (y - 24) ** 2 < 12 ** 2;
      const rgb = inLesion ? [90, 50, 40] : [220, 170, 140];
      for (let c = 0; c < 3; c++) {
        pixels[(y * size + x) * 3 + c] = rgb[c];
        input[c * size * size + y * size + x] = (rgb[c] / 255 - mean[c]) / std[c];
      }
    }
  }
  return { input, pixels, width: size, height: size, channels: 3 };
}

describe('Grad-CAM and CAM', () => {
  describe('graph analysis (findCamLayer)', () => {
    it('finds the Relu after the mask on the quadrant model, with a GAP → Flatten → Gemm head that allows CAM', () => {
      const layer = findCamLayer(loadModelProto(quadrantGapModel()));
      assert.ok(layer);
      assert.equal(layer.featureMap, 'features');
      assert.deepEqual(layer.head.map((step) => step.op), ['GlobalAveragePool', 'Flatten', 'Gemm']);
      assert.equal(layer.score, 'logits');
      assert.equal(layer.cam?.featureMap, 'features');
    });

    it('steps over the final Softmax and Identity, and through pooling, on the rich head', () => {
      const layer = findCamLayer(loadModelProto(richHeadModel()));
      assert.ok(layer);
      assert.equal(layer.featureMap, 'features');
      assert.equal(layer.score, 'scaled');
      assert.equal(layer.output, 'probs');
      assert.equal(layer.head[0].op, 'MaxPool');
      assert.equal(layer.cam, undefined, 'LeakyRelu and Clip after the pooling make the head non-linear');
      assert.equal(findCamLayer(loadModelProto(richHeadModel()), 'probability')?.score, 'probs');
    });

    it('finds the last Relu before MaxPool on the demo model', function () {
      const demo = findCamLayer(loadModelProto(readFileSync(DEMO_MODEL)));
      assert.equal(demo?.featureMap, '/features/features.14/Relu_output_0');
      assert.deepEqual(demo?.head.map((step) => step.op), ['MaxPool', 'GlobalAveragePool', 'Flatten', 'Gemm']);
      assert.equal(demo?.cam?.featureMap, '/features/features.15/MaxPool_output_0');
    });

    it('finds the last Relu before MaxPool on MNIST', function () {
      requireSharedData(this, path.join(MNIST, 'mnist.onnx'));
      const mnist = findCamLayer(loadModelProto(readFileSync(path.join(MNIST, 'mnist.onnx'))));
      assert.equal(mnist?.featureMap, 'ReLU114_Output_0');
      assert.deepEqual(mnist?.head.map((step) => step.op), ['MaxPool', 'Reshape', 'MatMul', 'Add']);
    });

    it('returns undefined for a model without convolution', () => {
      assert.equal(findCamLayer(loadModelProto(noConvModel())), undefined);
    });
  });

  describe('head autodiff', () => {
    for (const target of ['logit', 'probability'] as const) {
      it(`matches central finite differences of the TypeScript forward pass (${target}), on every head operator`, () => {
        const model = loadModelProto(richHeadModel());
        const layer = findCamLayer(model, target);
        assert.ok(layer);
        const autodiff = new HeadAutodiff(new GraphIndex(model), defaultOpset(model));
        const random = seededRandom(5);
        const features: Tensor = { shape: [1, 6, 8, 8], data: Float64Array.from({ length: 384 }, () => random()) };
        const values = autodiff.forward(layer.head, features);
        const classes = values[values.length - 1].data.length;
        assert.equal(classes, 4);
        for (let c = 0; c < classes; c++) {
          const seed = new Float64Array(classes);
          seed[c] = 1;
          const gradient = autodiff.backward(layer.head, values, seed);
          const h = 1e-6;
          let checked = 0;
          for (let i = 0; i < features.data.length; i++) {
            const plus = Float64Array.from(features.data);
            const minus = Float64Array.from(features.data);
            plus[i] += h;
            minus[i] -= h;
            const up = autodiff.forward(layer.head, { shape: features.shape, data: plus });
            const down = autodiff.forward(layer.head, { shape: features.shape, data: minus });
            const numeric = (up[up.length - 1].data[c] - down[down.length - 1].data[c]) / (2 * h);
            assert.ok(Math.abs(numeric - gradient[i]) <= 1e-6 + 1e-5 * Math.abs(numeric), `class ${c}, element ${i}: ${gradient[i]} vs ${numeric}`);
            if (gradient[i] !== 0) checked++;
          }
          // MaxPool passes a gradient to one cell in four; Clip may cut a class off entirely.
          if (c === 0) assert.ok(checked >= 60, `${checked} non-zero gradient entries`);
        }
      });
    }

    it('recomputes the rich head exactly as onnxruntime does (gradCam checks it on each call)', async () => {
      // gradCam throws 'unsupported-model' when the TypeScript head disagrees with the runtime's scores.
      const map = await gradCam(richHeadModel(), randomImage(3, 8, 9));
      assertUsableMap(map, 8, 8);
      assert.equal(map.params.featureMap, 'features');
      assert.match(map.note ?? '', /before the output's Softmax/);
      const probability = await gradCam(richHeadModel(), randomImage(3, 8, 9), { target: 'probability', classIndex: map.classIndex });
      assert.equal(probability.params.target, 'probability');
    });
  });

  describe('analytic maps', () => {
    it('puts all of Grad-CAM\'s positive mass in the top-left quadrant the score reads', async () => {
      const image = randomImage(3, 32, 1);
      const map = await gradCam(quadrantGapModel(), image, { classIndex: 0 });
      assert.equal(map.method, 'gradcam');
      assert.ok(topLeftShare(map.data, 32, 32) >= 0.9);
      assert.equal(topLeftShare(map.data, 32, 32), 1);
      assert.equal(map.params.featureWidth, 32);
      assert.equal(map.modelCalls, 1);
    });

    it('CAM equals Grad-CAM after normalising on a GAP → linear head, and CAM averages to the logit minus its bias', async () => {
      const image = randomImage(3, 32, 2);
      const gradcam = await gradCam(quadrantGapModel(), image, { classIndex: 0 });
      const cam = await gradCam(quadrantGapModel(), image, { classIndex: 0, variant: 'cam' });
      assert.equal(cam.method, 'cam');
      const a = normalised(gradcam.data);
      const b = normalised(Array.from(cam.data, (v) => Math.max(0, v)));
      a.forEach((value, i) => assert.ok(Math.abs(value - b[i]) < 1e-6, `pixel ${i}: ${value} vs ${b[i]}`));
      assert.match(gradcam.note ?? '', /CAM and Grad-CAM coincide up to scale/);
      // CAM = Σ_k w_ck A_k, so its mean over the 32 × 32 feature map is Σ_k w_ck mean(A_k) = y_c − b_c.
      const mean = cam.data.reduce((sum, v) => sum + v, 0) / cam.data.length;
      const logit = Number(cam.params.score);
      assert.ok(Math.abs(mean - (logit - GAP_HEAD.classBias[0])) < 1e-5 * Math.abs(logit), `${mean} vs ${logit - GAP_HEAD.classBias[0]}`);
    });

    it('is deterministic: the same input gives an identical map, with or without a session cache', async () => {
      const image = randomImage(3, 32, 3);
      const cache = new ExplainSessionCache();
      try {
        const first = await gradCam(quadrantGapModel(), image);
        const second = await gradCam(quadrantGapModel(), image, { sessions: cache });
        const third = await gradCam(quadrantGapModel(), image, { sessions: cache });
        assert.deepEqual(second.data, first.data);
        assert.deepEqual(third.data, first.data);
      } finally {
        await cache.dispose();
      }
    });

    it('defaults to the predicted class', async () => {
      const image = randomImage(1, 32, 4);
      const map = await gradCam(quadrantDenseModel(), image);
      const other = await gradCam(quadrantDenseModel(), image, { classIndex: 1 - map.classIndex });
      assert.ok(Number(map.params.score) >= Number(other.params.score));
    });
  });

  describe('errors', () => {
    it('rejects a model with no convolution as unsupported-model', async () => {
      await assert.rejects(gradCam(noConvModel(), randomImage(1, 4, 1)), (error: unknown) =>
        FairframeError.is(error, 'unsupported-model') && /without meeting a convolutional feature map/.test(error.message) && /occlusion/.test(error.message));
    });

    it('names the operator of a head it cannot differentiate', async () => {
      await assert.rejects(gradCam(headWithOperator('Tanh'), randomImage(1, 8, 1)), (error: unknown) =>
        FairframeError.is(error, 'unsupported-model') && /Tanh/.test(error.message) && error.details?.op === 'Tanh');
    });

    it('refuses CAM on a head that is not GAP → linear, and an image the model cannot take', async () => {
      await assert.rejects(gradCam(quadrantDenseModel(), randomImage(1, 32, 1), { variant: 'cam' }), (error: unknown) =>
        FairframeError.is(error, 'unsupported-model') && /MaxPool → Flatten → Gemm/.test(error.message));
      await assert.rejects(gradCam(quadrantGapModel(), randomImage(3, 16, 1)), (error: unknown) => FairframeError.is(error, 'bad-image'));
      await assert.rejects(gradCam(quadrantGapModel(), randomImage(3, 32, 1), { classIndex: 2 }), (error: unknown) => FairframeError.is(error, 'bad-config'));
    });
  });

  describe('upsampleBilinear', () => {
    it('samples at half-pixel centres: 2 × 1 → 4 × 1 gives [a, ¾a + ¼b, ¼a + ¾b, b]', () => {
      assert.deepEqual(Array.from(upsampleBilinear([0, 4], 2, 1, 4, 1)), [0, 1, 3, 4]);
      assert.deepEqual(Array.from(upsampleBilinear([1, 2, 3, 4], 2, 2, 2, 2)), [1, 2, 3, 4]);
    });
  });

  describe('real models', () => {
    it('maps the demo lesion model at 64 × 64 (Grad-CAM from the 8 × 8 map, CAM from the 4 × 4 pooled map)', async () => {
      const image = demoImage();
      const bytes = readFileSync(DEMO_MODEL);
      const gradcam = await gradCam(bytes, image);
      assertUsableMap(gradcam, 64, 64);
      assert.equal(gradcam.params.featureWidth, 8);
      const cam = await gradCam(bytes, image, { variant: 'cam', classIndex: gradcam.classIndex });
      assertUsableMap(cam, 64, 64);
      assert.equal(cam.params.featureWidth, 4);
    });

    it('maps the real MNIST model at 28 × 28 from its 14 × 14 feature map', async function () {
      requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
      const images = readIdx(readFileSync(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
      const input = Float32Array.from(images.data.subarray(0, 784), (v) => v / 255);
      const map = await gradCam(readFileSync(path.join(MNIST, 'mnist.onnx')), { input, pixels: images.data.slice(0, 784), width: 28, height: 28, channels: 1 });
      assertUsableMap(map, 28, 28);
      assert.equal(map.classIndex, 7, 'the first MNIST test digit is a 7');
      assert.equal(map.params.featureWidth, 14);
    });
  });
});
