import * as assert from 'node:assert/strict';
import { createRandom, deriveSeed } from '../../../src/demo/random';

describe('demo/random', () => {
  it('reproduces the reference mulberry32 stream', () => {
    // Reference: the published mulberry32 (T. Ettinger), re-implemented in Python with 32-bit arithmetic.
    const random = createRandom(42);
    assert.deepEqual([random.next(), random.next(), random.next()], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const zero = createRandom(0);
    assert.deepEqual([zero.next(), zero.next()], [0.26642920868471265, 0.0003297457005828619]);
  });

  it('gives the same numbers for the same seed and different ones for another', () => {
    const draw = (seed: number): Array<number | string> => {
      const random = createRandom(seed);
      return [random.int(0, 1000), random.uniform(-1, 1), random.normal(), random.normal(), random.weighted([1, 2, 3]), random.pick(['a', 'b', 'c'])];
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
  });

  it('draws integers inclusively and shuffles to a permutation', () => {
    const random = createRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(random.int(1, 3));
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = random.shuffle([...items]);
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  });

  it('draws standard normals with mean ≈ 0 and SD ≈ 1', () => {
    const random = createRandom(11);
    const values = Array.from({ length: 20000 }, () => random.normal());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    // Standard errors: 1/√20000 ≈ 0.007 for the mean, ≈ 0.005 for the SD; 5 SE bounds.
    assert.ok(Math.abs(mean) < 0.035, String(mean));
    assert.ok(Math.abs(sd - 1) < 0.025, String(sd));
  });

  it('derives independent stream seeds from names', () => {
    assert.equal(deriveSeed(1, 'image', 5, 0), deriveSeed(1, 'image', 5, 0));
    const seeds = new Set([deriveSeed(1, 'image', 5, 0), deriveSeed(1, 'image', 5, 1), deriveSeed(1, 'image', 6, 0), deriveSeed(2, 'image', 5, 0), deriveSeed(1, 'mask', 5, 0)]);
    assert.equal(seeds.size, 5);
  });
});
