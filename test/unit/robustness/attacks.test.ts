// FGSM, PGD and the robust radius on a linear classifier, where the smallest flipping ε is known in closed form:
// logits z = W·t + b with t = (p/255 − 0.5)/0.25, so the margin of class 0 falls at most by ε · Σ|w₀ᵢ − w₁ᵢ| / (255 · 0.25)
// under an L∞ change of ε pixel levels (no clipping at mid-grey), and the radius is margin / that slope.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ModelHandle } from '../../../src/engine/model/modelHandle';
import { auditRobustness } from '../../../src/engine/robustness/robustnessAudit';
import { GradientSessionCache } from '../../../src/engine/gradient/gradientExplain';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { preprocessImage } from '../../../src/engine/model/preprocess';
import { attackImage, DEFAULT_ATTACK_SETTINGS, fgsm, PixelSpace } from '../../../src/engine/robustness/attacks';
import { squareAttack, squareShare } from '../../../src/engine/robustness/squareAttack';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';
import { encodeModel, FLOAT, node, tensor, valueInfo, weights } from '../model/onnxBuilder';

const SIZE = 4;
const ELEMENTS = 3 * SIZE * SIZE;
const w0 = weights(ELEMENTS, 3);
const w1 = weights(ELEMENTS, 5).map((v, i) => (i % 5 === 0 ? -v : v));
const perLevel = 1 / 255 / 0.25;
const slope = w0.reduce((sum, v, i) => sum + Math.abs(v - w1[i]), 0) * perLevel;

function linearModel(biasGap: number): Uint8Array {
  const b = Array.from({ length: ELEMENTS * 2 }, (_, k) => (k % 2 === 0 ? w0[k / 2] : w1[(k - 1) / 2])); // [48, 2] row-major
  return encodeModel({
    inputs: [valueInfo('input', FLOAT, [1, 3, SIZE, SIZE])],
    outputs: [valueInfo('logits', FLOAT, [1, 2])],
    nodes: [node('Flatten', ['input'], ['flat'], { axis: { i: 1 } }), node('Gemm', ['flat', 'W', 'bias'], ['logits'])],
    initializers: [tensor('W', [ELEMENTS, 2], b), tensor('bias', [2], [biasGap, 0])],
  });
}

const spec = {
  labels: ['zero', 'one'], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
  preprocess: { width: SIZE, height: SIZE, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], inputType: 'float32' },
} as unknown as ModelSpec;

/** A mid-grey image with a small pattern (values 120–135), as PNG. */
async function image(): Promise<{ png: Buffer; pixels: number[] }> {
  const raw = Buffer.alloc(SIZE * SIZE * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = 120 + ((i * 7) % 16);
  const png = await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
  // NCHW order of the tensor: channel c, pixel p ← raw[p · 3 + c].
  const pixels = Array.from({ length: ELEMENTS }, (_, i) => raw[(i % (SIZE * SIZE)) * 3 + Math.floor(i / (SIZE * SIZE))]);
  return { png, pixels };
}

describe('attacks on a linear classifier', function () {
  this.timeout(60_000);

  it('FGSM, PGD and the bisected robust radius agree with the closed form', async () => {
    const { png, pixels } = await image();
    // The weight part of the margin at this image; the bias gap sets the radius to 2.9 levels.
    const weightMargin = pixels.reduce((sum, p, i) => sum + (w0[i] - w1[i]) * ((p / 255 - 0.5) / 0.25), 0);
    const radius = 2.9;
    const cache = new GradientSessionCache(linearModel(radius * slope - weightMargin), spec);
    try {
      const model = await cache.inputGradients();
      const space = new PixelSpace(spec.preprocess);
      const input = (await preprocessImage(png, spec.preprocess)) as Float32Array;
      const margin = (await model.run(input, 0)).score.data;
      assert.ok(Math.abs(margin[0] - margin[1] - radius * slope) < 1e-4, 'the margin is 2.9 levels of slope');
      // FGSM is the optimal L∞ attack on a linear model: it flips exactly when ε > 2.9.
      assert.equal((await fgsm(model, space, input, 0, 2.8, 'logits')).predicted, 0);
      assert.equal((await fgsm(model, space, input, 0, 3.0, 'logits')).predicted, 1);
      // Grid 1, 2, 4, 8: PGD flips at 4 and 8; bisection 2 → 4: 3 (flips), 2.5 (no), 2.75 (no): radius = 3 ∈ [2.9, 3].
      const outcome = await attackImage(model, space, input, 0, DEFAULT_ATTACK_SETTINGS, 'logits', 1);
      assert.deepEqual(outcome.fgsmCorrect, [true, true, false, false]);
      assert.deepEqual(outcome.pgdCorrect, [true, true, false, false]);
      assert.equal(outcome.radius, 3);
      // An image the model already gets wrong has radius 0; one no grid ε flips has none (null).
      assert.equal((await attackImage(model, space, input, 1, DEFAULT_ATTACK_SETTINGS, 'logits', 1)).radius, 0);
      const strong = new GradientSessionCache(linearModel(20 * slope - weightMargin), spec);
      try {
        const unbroken = await attackImage(await strong.inputGradients(), space, input, 0, DEFAULT_ATTACK_SETTINGS, 'logits', 1);
        assert.equal(unbroken.radius, null);
        assert.deepEqual(unbroken.pgdCorrect, [true, true, true, true]);
      } finally {
        await strong.dispose();
      }
    } finally {
      await cache.dispose();
    }
  });

  it('clips to the pixel range: FGSM on a white image never goes above 255', async () => {
    const space = new PixelSpace(spec.preprocess);
    // Tensor values of pixels 0 and 255 with mean 0.5 and std 0.25: −2 and 2.
    assert.ok(Math.abs(space.lower[0] + 2) < 1e-6 && Math.abs(space.upper[0] - 2) < 1e-6);
    const white = await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    const cache = new GradientSessionCache(linearModel(0), spec);
    try {
      const input = (await preprocessImage(white, spec.preprocess)) as Float32Array;
      const { adversarial } = await fgsm(await cache.inputGradients(), space, input, 0, 8, 'logits');
      let raised = 0;
      let lowered = 0;
      adversarial.forEach((value, i) => {
        assert.ok(value <= 2 + 1e-6, `element ${i} above pixel 255`);
        if (Math.abs(value - 2) < 1e-6) raised++;
        else if (Math.abs(value - (2 - 8 * perLevel)) < 1e-5) lowered++;
      });
      // Each element either wanted to rise (clipped at 255) or fell by exactly 8 levels.
      assert.equal(raised + lowered, ELEMENTS);
      assert.ok(lowered > 0 && raised > 0);
    } finally {
      await cache.dispose();
    }
  });
});

describe('Square Attack on a linear classifier', function () {
  this.timeout(60_000);

  it('flips the image only beyond the closed-form radius, within its query budget', async () => {
    const { png, pixels } = await image();
    const weightMargin = pixels.reduce((sum, p, i) => sum + (w0[i] - w1[i]) * ((p / 255 - 0.5) / 0.25), 0);
    const cache = new GradientSessionCache(linearModel(2.9 * slope - weightMargin), spec);
    try {
      const model = await cache.inputGradients();
      const score = async (input: Float32Array): Promise<Float32Array> => (await model.run(input, 0)).score.data;
      const space = new PixelSpace(spec.preprocess);
      const input = (await preprocessImage(png, spec.preprocess)) as Float32Array;
      const settings = { queries: 1000, pInit: 0.05 };
      // Below the radius no point of the ε-ball is misclassified: the attack must fail and spend its whole budget.
      const below = await squareAttack(score, spec.preprocess, space, input, 0, 2.8, settings, mulberry32(3));
      assert.deepEqual(below, { fooled: false, queries: 1000 });
      // At 4 and 8 levels the best point lowers the margin by 4·slope and 8·slope > 2.9·slope: random squares find one.
      for (const epsilon of [4, 8]) {
        const above = await squareAttack(score, spec.preprocess, space, input, 0, epsilon, settings, mulberry32(3));
        assert.equal(above.fooled, true, `ε ${epsilon}`);
        assert.ok(above.queries < 1000);
      }
    } finally {
      await cache.dispose();
    }
  });

  it('halves the square share on the authors\' schedule', () => {
    assert.equal(squareShare(0.05, 0, 10000), 0.05);
    assert.equal(squareShare(0.05, 11, 10000), 0.025);
    assert.equal(squareShare(0.05, 300, 10000), 0.05 / 8);
    assert.equal(squareShare(0.05, 50, 500), 0.05 / 16); // 50 of 500 queries = 1,000 of 10,000
  });
});

describe('attack audit of a model without a gradient graph', function () {
  this.timeout(120_000);

  it('falls back to the Square Attack: no FGSM, square@ε conditions, radius on the grid', async () => {
    const { png, pixels } = await image();
    const weightMargin = pixels.reduce((sum, p, i) => sum + (w0[i] - w1[i]) * ((p / 255 - 0.5) / 0.25), 0);
    // Softsign (no gradient rule) after the linear layer keeps the sign of the margin: the radius is still 2.9 levels.
    const bytes = encodeModel({
      inputs: [valueInfo('input', FLOAT, [1, 3, SIZE, SIZE])],
      outputs: [valueInfo('logits', FLOAT, [1, 2])],
      nodes: [node('Flatten', ['input'], ['flat'], { axis: { i: 1 } }), node('Gemm', ['flat', 'W', 'bias'], ['linear']), node('Softsign', ['linear'], ['logits'])],
      initializers: [tensor('W', [ELEMENTS, 2], Array.from({ length: ELEMENTS * 2 }, (_, k) => (k % 2 === 0 ? w0[k / 2] : w1[(k - 1) / 2]))), tensor('bias', [2], [2.9 * slope - weightMargin, 0])],
    });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-square-'));
    const handle = ModelHandle.fromBytes(bytes);
    try {
      await fs.writeFile(path.join(dir, 'image.png'), png);
      const n = 40;
      const result = await auditRobustness('attacks', {
        handle, spec, outputKind: 'logits',
        items: Array.from({ length: n }, (_, i) => ({ recordId: String(i), path: path.join(dir, 'image.png'), contentHash: `same-${i}` })),
        yTrue: new Array<number>(n).fill(0), yPred: new Array<number>(n).fill(0),
        definitions: [{ attributes: ['half'], values: { half: Array.from({ length: n }, (_, i) => (i < n / 2 ? 'first' : 'second')) } }],
        minGroupSize: 10, bootstrap: { replicates: 100, level: 0.95, seed: 5 }, attackImages: 0,
      });
      const attacks = result.attacks;
      assert.equal(attacks?.status, 'ok', attacks?.reason);
      assert.equal(attacks?.settings?.attack, 'square');
      assert.match(attacks?.settings?.reason ?? '', /gradient graph cannot be built/);
      assert.deepEqual(attacks?.conditions?.map((c) => [c.key, c.accuracy.estimate]), [['square@1', 1], ['square@2', 1], ['square@4', 0], ['square@8', 0]]);
      assert.equal(attacks?.radius?.overall.median.estimate, 4);
      assert.deepEqual(attacks?.groups?.[0].radius?.map((g) => [g.group, g.count, g.median.estimate]), [['first', 20, 4], ['second', 20, 4]]);
    } finally {
      await handle.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
