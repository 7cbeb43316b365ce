// KernelSHAP: the kernel by hand, exact Shapley values against the definition, additivity, the linear case, the
// analytic model and seeded sampling.
import * as assert from 'node:assert/strict';
import { binomial, kernelShapMap, shapCoalitions, shapleyKernelWeight } from '../../../src/engine/explain/kernelShap';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { createPerturber, prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { gridSuperpixels, regionMask } from '../../../src/engine/explain/superpixels';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';
import { explainSpec, linearQuadrantModel, pngOf, positiveMassInQuadrant, QUADRANT_LEVELS, quadrantImage, quadrantModel } from './agnosticModels';

describe('explain: KernelSHAP', function () {
  this.timeout(60_000);

  it('Shapley kernel π = (M − 1) / (C(M, s) · s · (M − s)) and its coalitions', () => {
    assert.equal(binomial(6, 2), 15);
    assert.equal(shapleyKernelWeight(4, 1), 0.25); // 3 / (4 · 1 · 3)
    assert.equal(shapleyKernelWeight(4, 2), 0.125); // 3 / (6 · 2 · 2)
    const all = shapCoalitions(4, 100, mulberry32(1));
    assert.equal(all.masks.length, 14); // 2⁴ − 2: every proper, non-empty coalition
    assert.ok(all.exact);
    // Weights proportional to the kernel: size-1 and size-3 coalitions weigh twice as much as size-2 ones.
    const bySize = new Map<number, Set<number>>();
    all.masks.forEach((mask, i) => {
      const size = mask.reduce((a, b) => a + b, 0);
      bySize.set(size, (bySize.get(size) ?? new Set()).add(Number(all.weights[i].toFixed(12))));
    });
    const [w1, w2, w3] = [1, 2, 3].map((s) => [...(bySize.get(s) as Set<number>)]);
    assert.equal(w1.length, 1);
    assert.ok(Math.abs(w1[0] / w2[0] - 2) < 1e-9 && Math.abs(w3[0] - w1[0]) < 1e-12);
    const sampled = shapCoalitions(12, 100, mulberry32(1));
    assert.ok(!sampled.exact);
    assert.equal(sampled.masks.length, 100);
  });

  it('equals the Shapley values from their definition when every coalition is evaluated (M = 8, a non-linear model)', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const segments = gridSuperpixels(16, 16, 4, 2); // 4 columns × 2 rows of 4 × 8 strips: the top-left quadrant is strips 0 and 1
    const map = await kernelShapMap(runner, image, { segments, baseline: 'black', samples: 1000 });
    assert.ok(map.exact);
    assert.equal(map.modelCalls, 2 + 254);
    // φ_j = Σ_{S ∌ j} |S|! (M − |S| − 1)! / M! · (f(S ∪ j) − f(S)), over all 2⁸ coalitions.
    const M = 8;
    const perturber = await createPerturber(image, spec, 'black');
    const masks = Array.from({ length: 2 ** M }, (_, bits) => Array.from({ length: M }, (_, j) => (bits >> j) & 1));
    const values = (await runner.predict(masks.map((mask) => perturber.blend(regionMask(segments, mask))))).map((row) => row[0]);
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
    for (let j = 0; j < M; j++) {
      let phi = 0;
      for (let bits = 0; bits < 2 ** M; bits++) {
        if ((bits >> j) & 1) continue;
        const size = masks[bits].reduce((a, b) => a + b, 0);
        phi += ((factorial(size) * factorial(M - size - 1)) / factorial(M)) * (values[bits | (1 << j)] - values[bits]);
      }
      assert.ok(Math.abs(map.phi[j] - phi) < 1e-6, `φ${j}: ${map.phi[j]} vs ${phi}`);
    }
    // Only the two strips of the top-left quadrant matter.
    for (let j = 2; j < M; j++) assert.ok(Math.abs(map.phi[j]) < 1e-6);
    await runner.dispose();
  });

  it('is additive, Σφ = f(x) − f(baseline) to 1e-6, also when sampling', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    for (const baseline of ['black', 'mean', 'blur'] as const) {
      const map = await kernelShapMap(runner, image, { superpixels: { segments: 16 }, baseline, samples: 300 });
      const perturber = await createPerturber(image, spec, baseline);
      const [full, empty] = await runner.predict([image.input, perturber.baselineInput]);
      const sum = map.phi.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - (full[0] - empty[0])) < 1e-6, `${baseline}: Σφ ${sum} vs ${full[0] - empty[0]}`);
      assert.ok(!map.exact);
    }
    await runner.dispose();
  });

  it('recovers the weights of a model linear in the superpixels: φ_q = w_q · (mean_q − baseline)', async () => {
    const spec = explainSpec(16, { outputKind: 'probabilities' });
    const weights = [1, -2, 0.5, 3];
    const runner = await createModelRunner(linearQuadrantModel(16, weights, 0.25), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, (x, y) => QUADRANT_LEVELS[(x >= 8 ? 1 : 0) + (y >= 8 ? 2 : 0)]), spec);
    const map = await kernelShapMap(runner, image, { segments: gridSuperpixels(16, 16, 2, 2), baseline: 'black', classIndex: 0 });
    weights.forEach((w, q) => assert.ok(Math.abs(map.phi[q] - w * (QUADRANT_LEVELS[q] / 255)) < 1e-5, `φ${q}: ${map.phi[q]}`));
    assert.ok(Math.abs(map.baseValue - 0.25) < 1e-6);
    await runner.dispose();
  });

  it('puts ≥ 90% of its positive mass in the quadrant the model reads', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    for (const baseline of ['black', 'mean'] as const) {
      const map = await kernelShapMap(runner, image, { superpixels: { segments: 16 }, baseline });
      const share = positiveMassInQuadrant(map.data, 16);
      assert.ok(share >= 0.9, `${baseline}: ${share}`);
      assert.equal(map.modelCalls, 2 + 2 * 16 + 2048);
    }
    await runner.dispose();
  });

  it('is seeded: the same seed gives the same map, another seed another', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const options = { superpixels: { segments: 16 }, samples: 200 };
    const a = await kernelShapMap(runner, image, { ...options, seed: 4 });
    const b = await kernelShapMap(runner, image, { ...options, seed: 4 });
    const c = await kernelShapMap(runner, image, { ...options, seed: 5 });
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    await runner.dispose();
  });
});
