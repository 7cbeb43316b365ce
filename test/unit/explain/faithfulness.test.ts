// Deletion / insertion curves and the rank correlation of the sanity checks, against hand values and scipy.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Heatmap } from '../../../src/engine/explain/explainTypes';
import { averageRanks, faithfulness, pixelOrder, randomOrderFaithfulness, spearmanRankCorrelation, trapezoidAuc } from '../../../src/engine/explain/faithfulness';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { occlusionMap } from '../../../src/engine/explain/occlusion';
import { prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { explainSpec, pngOf, quadrantImage, quadrantModel } from './agnosticModels';

const references = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/explain-agnostic/references.json'), 'utf8')) as {
  spearman: Array<{ a: number[]; b: number[]; rho: number }>;
};
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('explain: faithfulness', function () {
  this.timeout(30_000);

  it('trapezoid AUC and the pixel order (ties by index)', () => {
    assert.equal(trapezoidAuc([0, 0.5, 1], [1, 0.5, 0]), 0.5);
    assert.equal(trapezoidAuc([0, 0.5, 1], [1, 1, 0]), 0.75);
    assert.equal(trapezoidAuc([0, 0.25, 1], [0, 1, 1]), 0.875);
    assert.deepEqual(Array.from(pixelOrder([0.2, 0.9, 0.2, 0.5])), [1, 3, 0, 2]);
  });

  it('the true map deletes faster and inserts faster than the reversed map on the analytic model', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const map = await occlusionMap(runner, image, { baseline: 'black' });
    const reversed: Heatmap = { ...map, data: map.data.map((v) => -v) };
    // Insertion onto black here: the default blurred start keeps the bright quadrant bright, so P is high from the outset.
    const truth = await faithfulness(runner, image, map, { steps: 16, insertionBaseline: 'black' });
    const flipped = await faithfulness(runner, image, reversed, { steps: 16, insertionBaseline: 'black' });
    assert.ok(truth.deletion.auc < flipped.deletion.auc - 0.2, `deletion ${truth.deletion.auc} vs ${flipped.deletion.auc}`);
    assert.ok(truth.insertion.auc > flipped.insertion.auc + 0.2, `insertion ${truth.insertion.auc} vs ${flipped.insertion.auc}`);
    assert.equal(truth.modelCalls, 2 * 17);
    assert.equal(truth.deletion.x.length, 17);
    // Deletion starts at P(image) and ends at P(black) = σ(2 · 4 · (0 − ½)) = σ(−4).
    const [probs] = await runner.predict([image.input]);
    assert.equal(truth.deletion.y[0], probs[0]);
    assert.ok(Math.abs(truth.deletion.y[16] - sigmoid(-4)) < 1e-6);
    // Insertion ends at P(image).
    assert.ok(Math.abs(truth.insertion.y[16] - probs[0]) < 1e-7);
    assert.equal(truth.insertion.baseline, 'black');
    const blurred = await faithfulness(runner, image, map, { steps: 4 });
    assert.equal(blurred.insertion.baseline, 'blur');
    assert.ok(blurred.insertion.y[0] > 0.5 && Math.abs(blurred.insertion.y[4] - probs[0]) < 1e-7);
    await runner.dispose();
  });

  it('a random pixel order sits between the true map and its reverse, and is seeded', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const map = await occlusionMap(runner, image, { baseline: 'black' });
    const options = { steps: 16, insertionBaseline: 'black' as const };
    const truth = await faithfulness(runner, image, map, options);
    const flipped = await faithfulness(runner, image, { ...map, data: map.data.map((v) => -v) }, options);
    const chance = await randomOrderFaithfulness(runner, image, map.classIndex, options);
    assert.ok(truth.deletion.auc < chance.deletion.auc && chance.deletion.auc < flipped.deletion.auc, `deletion ${truth.deletion.auc} < ${chance.deletion.auc} < ${flipped.deletion.auc}`);
    assert.ok(truth.insertion.auc > chance.insertion.auc && chance.insertion.auc > flipped.insertion.auc, `insertion ${truth.insertion.auc} > ${chance.insertion.auc} > ${flipped.insertion.auc}`);
    // Both ends of a curve do not depend on the order.
    assert.equal(chance.deletion.y[0], truth.deletion.y[0]);
    assert.ok(Math.abs(chance.deletion.y[16] - truth.deletion.y[16]) < 1e-7);
    const again = await randomOrderFaithfulness(runner, image, map.classIndex, options);
    assert.deepEqual(again.deletion.y, chance.deletion.y);
    const other = await randomOrderFaithfulness(runner, image, map.classIndex, { ...options, seed: 2 });
    assert.notDeepEqual(other.deletion.y, chance.deletion.y);
    await runner.dispose();
  });

  it('average ranks for ties, as scipy.stats.rankdata', () => {
    assert.deepEqual(Array.from(averageRanks([10, 20, 20, 30])), [1, 2.5, 2.5, 4]);
    assert.deepEqual(Array.from(averageRanks([3, 1, 3, 3])), [3, 1, 3, 3]);
  });

  it('Spearman ρ by hand and against scipy.stats.spearmanr (frozen), NaN for a constant map', () => {
    assert.equal(spearmanRankCorrelation([1, 2, 3], [10, 20, 30]), 1);
    assert.equal(spearmanRankCorrelation([1, 2, 3], [3, 2, 1]), -1);
    // Ranks [1, 2, 3, 4] and [1, 3, 2, 4]: Σd² = 2, ρ = 1 − 6 · 2 / (4 · 15) = 0.8.
    assert.ok(Math.abs(spearmanRankCorrelation([1, 2, 3, 4], [1, 3, 2, 4]) - 0.8) < 1e-12);
    for (const { a, b, rho } of references.spearman) assert.ok(Math.abs(spearmanRankCorrelation(a, b) - rho) < 1e-12, `${spearmanRankCorrelation(a, b)} vs ${rho}`);
    assert.ok(Number.isNaN(spearmanRankCorrelation([1, 1, 1], [1, 2, 3])));
  });
});
