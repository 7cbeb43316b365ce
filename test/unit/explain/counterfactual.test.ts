// Counterfactuals on a two-region model: class 0 logit = 3 · mean(left) + 1 · mean(right), class 1 logit = 2, so on
// a bright image hiding the left half flips the prediction and hiding the right half does not.
import * as assert from 'node:assert/strict';
import { findCounterfactual } from '../../../src/engine/explain/counterfactual';
import type { Heatmap } from '../../../src/engine/explain/explainTypes';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { occlusionMap } from '../../../src/engine/explain/occlusion';
import { prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { gridSuperpixels } from '../../../src/engine/explain/superpixels';
import { explainSpec, pngOf, twoRegionModel } from './agnosticModels';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('explain: findCounterfactual', function () {
  this.timeout(30_000);

  async function setup(): Promise<{ runner: Awaited<ReturnType<typeof createModelRunner>>; image: Awaited<ReturnType<typeof prepareExplainImage>> }> {
    const spec = explainSpec(16, { labels: ['benign', 'malignant'] });
    const runner = await createModelRunner(twoRegionModel(16, 3, 1, 2), spec);
    // Left half 255 (mean 1), right half 204 (mean 0.8): logits 3.8 vs 2 → benign.
    const image = await prepareExplainImage(await pngOf(16, 16, (x) => (x < 8 ? 255 : 204)), spec);
    return { runner, image };
  }

  it('finds the one region whose removal flips the class, ranked by an occlusion map', async () => {
    const { runner, image } = await setup();
    const segments = gridSuperpixels(16, 16, 2, 1);
    const map = await occlusionMap(runner, image, { patch: 8, stride: 8, baseline: 'black' });
    const result = await findCounterfactual(runner, image, map, { segments, baseline: 'black' });
    assert.ok(result.flipped);
    assert.deepEqual(result.regions, [segments.labels[0]]); // the left half
    assert.equal(result.originalClass, 0);
    assert.equal(result.newClass, 1);
    // Left hidden: logits 0.8 vs 2, P(malignant) = σ(1.2).
    assert.ok(Math.abs(result.newProbability - sigmoid(1.2)) < 1e-6);
    assert.ok(Math.abs(result.originalProbability - sigmoid(1.8)) < 1e-6);
    assert.equal(result.removedFraction, 0.5);
    // The original, then both prefixes in one batch (chunk 8); one prefix per batch stops right after the flip.
    assert.equal(result.modelCalls, 3);
    const stepwise = await findCounterfactual(runner, image, map, { segments, baseline: 'black', chunk: 1 });
    assert.equal(stepwise.modelCalls, 2);
    assert.deepEqual(stepwise.regions, result.regions);
    assert.match(result.message, /Hiding 1 region \(50% of the image\) changes the prediction from benign to malignant \(p = 0\.77\)/);
    await runner.dispose();
  });

  it('follows the map: ranked right-first it needs both halves; with one region allowed it reports no flip', async () => {
    const { runner, image } = await setup();
    const segments = gridSuperpixels(16, 16, 2, 1);
    const rightFirst: Heatmap = { method: 'occlusion', classIndex: 0, width: 16, height: 16, data: Float32Array.from({ length: 256 }, (_, i) => (i % 16 >= 8 ? 1 : 0)), params: {}, modelCalls: 0 };
    const both = await findCounterfactual(runner, image, rightFirst, { segments, baseline: 'black' });
    assert.ok(both.flipped);
    assert.equal(both.regions.length, 2);
    assert.equal(both.regions[0], segments.labels[15]);
    const none = await findCounterfactual(runner, image, rightFirst, { segments, baseline: 'black', maxRegions: 1 });
    assert.ok(!none.flipped);
    assert.deepEqual(none.regions, [segments.labels[15]]);
    assert.equal(none.newClass, 0);
    // Right hidden: logits 3 vs 2, P(benign) = σ(1).
    assert.ok(Math.abs(none.newProbability - sigmoid(1)) < 1e-6);
    assert.match(none.message, /^No flip within 1 region: with them hidden the model still says benign \(p = 0\.73\)/);
    await runner.dispose();
  });
});
