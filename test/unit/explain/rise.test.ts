// RISE on the analytic model: where the mass goes, at the resolution of RISE's grid; seeded determinism; the masks.
import * as assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import { riseMap, riseMask } from '../../../src/engine/explain/rise';
import { explainSpec, pngOf, positiveMassInQuadrant, quadrantImage, quadrantModel } from './agnosticModels';

/** Share of the positive mass within `grow` pixels of the top-left quadrant of a size × size map. */
function positiveMassNearQuadrant(map: Float32Array, size: number, grow: number): number {
  let total = 0;
  let within = 0;
  for (let i = 0; i < map.length; i++) {
    const value = Math.max(0, map[i]);
    total += value;
    if (i % size < size / 2 + grow && Math.floor(i / size) < size / 2 + grow) within += value;
  }
  return within / total;
}

describe('explain: riseMap', function () {
  this.timeout(60_000);

  it('masks: weights in [0, 1]; a 1×1 grid is all kept or all removed; the mean over masks is near p', () => {
    const random = mulberry32(5);
    const out = new Float32Array(64);
    let sum = 0;
    for (let k = 0; k < 400; k++) {
      riseMask(random, 8, 8, 3, 0.5, out);
      for (const v of out) {
        assert.ok(v >= 0 && v <= 1);
        sum += v;
      }
    }
    assert.ok(Math.abs(sum / (400 * 64) - 0.5) < 0.03, String(sum / (400 * 64)));
    const whole = riseMask(mulberry32(1), 8, 8, 1, 0.5, new Float32Array(64));
    assert.equal(new Set(whole).size, 1);
  });

  it('concentrates on the quadrant the model reads, blurred by one grid cell', async () => {
    const spec = explainSpec(32);
    const runner = await createModelRunner(quadrantModel(32), spec);
    const image = await prepareExplainImage(await pngOf(32, 32, quadrantImage(32)), spec);
    // RISE resolves at its grid cell: with the default s = 7 on 32 pixels a cell spans ⌈32/7⌉ · 8/7 ≈ 5.7 pixels after
    // upsampling, so credit spreads up to one cell past the quadrant's edge; the quadrant itself gets about 80%.
    const map = await riseMap(runner, image, { seed: 3 });
    const near = positiveMassNearQuadrant(map.data, 32, 6);
    const inside = positiveMassInQuadrant(map.data, 32);
    assert.ok(near >= 0.9, `within one cell (6 px) of the quadrant: ${near}`);
    assert.ok(inside >= 0.75, `inside the quadrant: ${inside}`);
    assert.equal(map.modelCalls, 1001);
    // The mean inside the quadrant dwarfs the mean far from it (beyond the blur).
    let insideMean = 0;
    let farMean = 0;
    let far = 0;
    for (let i = 0; i < map.data.length; i++) {
      const [x, y] = [i % 32, Math.floor(i / 32)];
      if (x < 16 && y < 16) insideMean += map.data[i] / 256;
      else if (x >= 24 || y >= 24) [farMean, far] = [farMean + map.data[i], far + 1];
    }
    assert.ok(insideMean > 20 * Math.abs(farMean / far), `${insideMean} vs ${farMean / far}`);
    await runner.dispose();
  });

  it('an input smaller than the default grid gets one cell per pixel instead of an error (4 × 4: s = 4)', async () => {
    const spec = explainSpec(4);
    const runner = await createModelRunner(quadrantModel(4), spec);
    const image = await prepareExplainImage(await pngOf(4, 4, quadrantImage(4)), spec);
    const map = await riseMap(runner, image, { masks: 200, seed: 5 });
    assert.equal(map.width, 4);
    assert.equal(map.height, 4);
    // The model reads the top-left quadrant: its 4 pixels outrank the other 12.
    const top = [0, 1, 4, 5].map((i) => map.data[i]);
    const rest = [...map.data].filter((_, i) => ![0, 1, 4, 5].includes(i));
    assert.ok(Math.min(...top) > Math.max(...rest), `${top} vs ${rest}`);
    await assert.rejects(riseMap(runner, image, { masks: 10, grid: 5 }), /1 ≤ grid ≤ 4/);
    await runner.dispose();
  });

  it('the default grid (s = 7) still ranks the quadrant first: its mean beats every other quadrant', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const map = await riseMap(runner, image);
    const means = [0, 0, 0, 0];
    map.data.forEach((v, i) => (means[(i % 16 >= 8 ? 1 : 0) + (Math.floor(i / 16) >= 8 ? 2 : 0)] += v / 64));
    assert.ok(means[0] > 3 * Math.max(...means.slice(1).map(Math.abs)), means.join(', '));
    assert.equal(map.modelCalls, 1001);
    assert.deepEqual(map.params, { masks: 1000, grid: 7, keepProbability: 0.5, seed: 1, baseline: 'black', centre: true });
    await runner.dispose();
  });

  it('is seeded: the same seed gives the same map, another seed another; centre: false is all positive', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, quadrantImage(16)), spec);
    const a = await riseMap(runner, image, { masks: 200, seed: 7 });
    const b = await riseMap(runner, image, { masks: 200, seed: 7 });
    const c = await riseMap(runner, image, { masks: 200, seed: 8 });
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    const raw = await riseMap(runner, image, { masks: 200, seed: 7, centre: false });
    assert.ok(raw.data.every((v) => v >= 0));
    assert.ok(a.data.some((v) => v < 0));
    await runner.dispose();
  });
});
