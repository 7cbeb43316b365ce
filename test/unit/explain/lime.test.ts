// LIME and its segmentation: SLIC on images whose right segmentation is obvious, the weighted ridge against
// scikit-learn, the kernel by hand, and LIME on the analytic and linear models.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { limeKernel, limeMap, weightedRidge } from '../../../src/engine/explain/lime';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { enforceConnectivity, gridSuperpixels, slicSuperpixels, srgbToLab } from '../../../src/engine/explain/superpixels';
import { explainSpec, linearQuadrantModel, pngOf, positiveMassInQuadrant, QUADRANT_LEVELS, quadrantImage, quadrantModel } from './agnosticModels';

const references = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/explain-agnostic/references.json'), 'utf8')) as {
  ridge: { X: number[][]; y: number[]; w: number[]; fits: Record<string, { coef: number[]; intercept: number }> };
};

describe('explain: SLIC superpixels', () => {
  it('CIELAB of white, black and sRGB red (D65)', () => {
    const close = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]) < 0.01);
    assert.ok(close(srgbToLab(255, 255, 255), [100, 0, 0]));
    assert.ok(close(srgbToLab(0, 0, 0), [0, 0, 0]));
    assert.ok(close(srgbToLab(255, 0, 0), [53.24, 80.09, 67.2]), String(srgbToLab(255, 0, 0)));
  });

  it('splits a two-colour image into its two halves (k = 2), and never mixes the colours (k = 9)', () => {
    const width = 32;
    const height = 16;
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) pixels.set(i % width < 13 ? [200, 40, 40] : [30, 90, 200], i * 3);
    const two = slicSuperpixels({ pixels, width, height, channels: 3 }, { segments: 2 });
    assert.equal(two.count, 2);
    for (let i = 0; i < width * height; i++) assert.equal(two.labels[i], i % width < 13 ? 0 : 1);
    const nine = slicSuperpixels({ pixels, width, height, channels: 3 }, { segments: 9, compactness: 5 });
    assert.ok(nine.count >= 4, String(nine.count));
    for (let label = 0; label < nine.count; label++) {
      const sides = new Set<boolean>();
      nine.labels.forEach((l, i) => l === label && sides.add(i % width < 13));
      assert.equal(sides.size, 1, `superpixel ${label} straddles the colour edge`);
    }
  });

  it('is deterministic, labels 0…count − 1 contiguously, and its superpixels are connected', async () => {
    const spec = explainSpec(16);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const a = slicSuperpixels(image, { segments: 16 });
    const b = slicSuperpixels(image, { segments: 16 });
    assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
    assert.deepEqual([...new Set(a.labels)].sort((x, y) => x - y), Array.from({ length: a.count }, (_, i) => i));
    const relabelled = enforceConnectivity(a.labels, 16, 16, 0);
    assert.equal(relabelled.count, a.count); // every label is one 4-connected piece
  });

  it('the clean-up merges a piece of at most the minimum size into its neighbour and splits disconnected labels', () => {
    // 0 0 1 | 0 2 1 | 0 0 1: the lone 2 is absorbed by the 0 on its left; the 1 column stays.
    const small = enforceConnectivity(Int32Array.from([0, 0, 1, 0, 2, 1, 0, 0, 1]), 3, 3, 1);
    assert.deepEqual(Array.from(small.labels), [0, 0, 1, 0, 0, 1, 0, 0, 1]);
    const split = enforceConnectivity(Int32Array.from([0, 1, 0, 0, 1, 0]), 3, 2, 0);
    assert.equal(split.count, 3);
  });
});

describe('explain: LIME', function () {
  this.timeout(60_000);

  it('weighted ridge matches scikit-learn Ridge(alpha, fit_intercept=True) with sample_weight', () => {
    const { X, y, w, fits } = references.ridge;
    for (const [alpha, fit] of Object.entries(fits)) {
      const got = weightedRidge(X.flat(), y, w, X.length, 3, Number(alpha));
      fit.coef.forEach((c, j) => assert.ok(Math.abs(got.coefficients[j] - c) < 1e-10, `α = ${alpha}, β${j}: ${got.coefficients[j]} vs ${c}`));
      assert.ok(Math.abs(got.intercept - fit.intercept) < 1e-10);
    }
  });

  it("kernel: √exp(−d²/0.25²) on the cosine distance d = 1 − √(on/K)", () => {
    assert.equal(limeKernel(16, 16, 0.25), 1);
    assert.ok(Math.abs(limeKernel(4, 16, 0.25) - Math.exp(-2)) < 1e-12); // d = ½
    assert.ok(Math.abs(limeKernel(0, 16, 0.25) - Math.exp(-8)) < 1e-12); // d = 1
  });

  it('puts ≥ 90% of its positive mass in the quadrant the model reads', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    for (const baseline of ['black', 'mean'] as const) {
      const map = await limeMap(runner, image, { superpixels: { segments: 16 }, baseline });
      const share = positiveMassInQuadrant(map.data, 16);
      assert.ok(share >= 0.9, `${baseline}: ${share}`);
      assert.equal(map.modelCalls, 1000);
    }
    await runner.dispose();
  });

  it('recovers the weights of a model linear in the superpixels: β_q = w_q · (mean_q − baseline)', async () => {
    const spec = explainSpec(16, { outputKind: 'probabilities' });
    const weights = [1, -2, 0.5, 3];
    const runner = await createModelRunner(linearQuadrantModel(16, weights, 0.25), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, (x, y) => QUADRANT_LEVELS[(x >= 8 ? 1 : 0) + (y >= 8 ? 2 : 0)]), spec);
    const segments = gridSuperpixels(16, 16, 2, 2);
    const exact = await limeMap(runner, image, { segments, baseline: 'black', ridge: 0, samples: 200, classIndex: 0 });
    weights.forEach((w, q) => assert.ok(Math.abs(exact.weights[q] - w * (QUADRANT_LEVELS[q] / 255)) < 1e-5, `q${q}: ${exact.weights[q]}`));
    assert.ok(Math.abs(exact.intercept - 0.25) < 1e-5);
    assert.ok(exact.score > 0.999999);
    // LIME's default α = 1 shrinks the weights a little (by a few per cent at 1000 samples), keeping their order.
    const ridged = await limeMap(runner, image, { segments, baseline: 'black', classIndex: 0 });
    weights.forEach((w, q) => {
      const truth = w * (QUADRANT_LEVELS[q] / 255);
      assert.ok(Math.abs(ridged.weights[q] - truth) < 0.05 * Math.abs(truth), `q${q}: ${ridged.weights[q]} vs ${truth}`);
    });
    await runner.dispose();
  });

  it('is seeded: the same seed gives the same map, another seed another', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const options = { superpixels: { segments: 16 }, samples: 100 };
    const a = await limeMap(runner, image, { ...options, seed: 4 });
    const b = await limeMap(runner, image, { ...options, seed: 4 });
    const c = await limeMap(runner, image, { ...options, seed: 5 });
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    await runner.dispose();
  });
});
