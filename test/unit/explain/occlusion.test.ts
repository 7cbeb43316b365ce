// Occlusion on the analytic models: the mass lands in the quadrant the model reads, and on a linear model each
// quadrant-sized patch's drop is computed by hand.
import * as assert from 'node:assert/strict';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { occlusionMap, patchOrigins } from '../../../src/engine/explain/occlusion';
import { prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { explainSpec, linearQuadrantModel, pngOf, positiveMassInQuadrant, quadrantImage, quadrantModel } from './agnosticModels';

describe('explain: occlusionMap', function () {
  this.timeout(30_000);

  it('patch origins cover the whole axis, the last one flush with the edge', () => {
    assert.deepEqual(patchOrigins(10, 4, 3), [0, 3, 6]);
    assert.deepEqual(patchOrigins(10, 4, 4), [0, 4, 6]);
    assert.deepEqual(patchOrigins(8, 8, 2), [0]);
  });

  it('puts ≥ 90% of its positive mass in the quadrant the model reads (black and mean-colour baselines)', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    for (const baseline of ['black', 'mean'] as const) {
      const map = await occlusionMap(runner, image, { baseline });
      const share = positiveMassInQuadrant(map.data, 16);
      assert.ok(share >= 0.9, `${baseline}: ${share}`);
      // Default patch 2 (16 / 8), stride 1: 15 × 15 positions + the original.
      assert.equal(map.modelCalls, 1 + 15 * 15);
      assert.deepEqual(map.params, { patch: 2, stride: 1, baseline });
      assert.equal(map.classIndex, 0);
    }
    await runner.dispose();
  });

  it('a quadrant-sized black patch on f = Σ w_q · mean_q drops f by w_q · mean_q, exactly', async () => {
    const spec = explainSpec(16, { outputKind: 'probabilities' });
    const weights = [1, -2, 0.5, 3];
    const runner = await createModelRunner(linearQuadrantModel(16, weights, 0.25), spec);
    const levels = [200, 120, 160, 90];
    const image = await prepareExplainImage(await pngOf(16, 16, (x, y) => levels[(x >= 8 ? 1 : 0) + (y >= 8 ? 2 : 0)]), spec);
    const map = await occlusionMap(runner, image, { patch: 8, stride: 8, baseline: 'black', classIndex: 0 });
    assert.equal(map.modelCalls, 5);
    for (let q = 0; q < 4; q++) {
      const x = (q % 2) * 8 + 3;
      const y = Math.floor(q / 2) * 8 + 3;
      assert.ok(Math.abs(map.data[y * 16 + x] - weights[q] * (levels[q] / 255)) < 1e-5, `quadrant ${q}: ${map.data[y * 16 + x]}`);
    }
    await runner.dispose();
  });
});
