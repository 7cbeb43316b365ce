import * as assert from 'node:assert/strict';
import { hammingDistance, hexToHalves, popcount32 } from '../../../src/engine/hash/hammingDistance';
import { HammingIndex, type HammingPair } from '../../../src/engine/hash/hammingIndex';

/** mulberry32: a seeded pseudo-random source of 32-bit words. */
function random32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const hex = (high: number, low: number): string => high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');

/** Random hashes plus planted copies of earlier ones with 0..10 bits flipped, so every radius has pairs. */
function plantedHashes(count: number, seed: number): string[] {
  const next = random32(seed);
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 10 && next() % 4 === 0) {
      const [high, low] = hexToHalves(hashes[next() % i]);
      let h = high;
      let l = low;
      const flips = next() % 11;
      for (let f = 0; f < flips; f++) {
        const bit = next() % 64;
        if (bit >= 32) h = (h ^ (2 ** (bit - 32))) >>> 0;
        else l = (l ^ (2 ** bit)) >>> 0;
      }
      hashes.push(hex(h, l));
    } else {
      hashes.push(hex(next(), next()));
    }
  }
  return hashes;
}

/** Every pair within `radius`, by comparing all n(n−1)/2 pairs. */
function bruteForce(hashes: string[], radius: number): HammingPair[] {
  const halves = hashes.map(hexToHalves);
  const pairs: HammingPair[] = [];
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      const distance = popcount32(halves[i][0] ^ halves[j][0]) + popcount32(halves[i][1] ^ halves[j][1]);
      if (distance <= radius) pairs.push({ first: i, second: j, distance });
    }
  }
  return pairs;
}

describe('hash/hammingDistance', () => {
  it('counts set bits', () => {
    assert.equal(popcount32(0), 0);
    assert.equal(popcount32(0xffffffff), 32);
    assert.equal(popcount32(0x80000001), 2);
    assert.equal(popcount32(0b1011_0110), 5);
  });

  it('counts differing bits of hex hashes', () => {
    assert.equal(hammingDistance('0000000000000000', '0000000000000000'), 0);
    assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
    // 0x8 vs 0x1 differ in 2 bits; 0xf vs 0x0 in 4: total 6.
    assert.equal(hammingDistance('8000000000000f00', '1000000000000000'), 6);
    assert.equal(hammingDistance('ABCDEF0123456789', 'abcdef0123456789'), 0);
    assert.throws(() => hammingDistance('00', '000'));
  });
});

describe('hash/HammingIndex', () => {
  const hashes = plantedHashes(3000, 7);
  const index = HammingIndex.build(hashes);
  const within17 = bruteForce(hashes, 17);
  const within8 = within17.filter((pair) => pair.distance <= 8);

  it('agrees with hammingDistance on the brute-force reference', () => {
    for (const pair of within8.slice(0, 50)) assert.equal(hammingDistance(hashes[pair.first], hashes[pair.second]), pair.distance);
  });

  for (let radius = 0; radius <= 8; radius++) {
    it(`finds exactly the brute-force pairs within radius ${radius} by multi-index hashing`, () => {
      const expected = within8.filter((pair) => pair.distance <= radius);
      const result = index.pairsWithin(radius, { method: 'multi-index' });
      assert.equal(result.method, 'multi-index');
      assert.deepEqual(result.pairs, expected);
      // The index must compare far fewer pairs than the 4,498,500 of brute force.
      assert.ok(result.comparisons < 3000 * 2999 / 2 / 4, `${result.comparisons} comparisons`);
      // The planted near pairs guarantee something to find from radius 1 on.
      if (radius >= 1) assert.ok(expected.length > 0);
      const auto = index.pairsWithin(radius);
      assert.deepEqual(auto.pairs, expected);
    });
  }

  it('finds the same pairs by brute force, with wider radii and many parts', () => {
    const small = hashes.slice(0, 400);
    for (const radius of [0, 3, 12, 20]) {
      const expected = bruteForce(small, radius);
      assert.deepEqual(HammingIndex.build(small).pairsWithin(radius, { method: 'brute-force' }).pairs, expected);
      assert.deepEqual(HammingIndex.build(small).pairsWithin(radius, { method: 'multi-index' }).pairs, expected);
    }
  });

  // Parts of 32 bits (Map buckets), 21–22 bits (dense buckets) and narrower, with sub-radius 0, 1 and 2.
  const upTo = (n: number): number[] => Array.from({ length: n + 1 }, (_, i) => i);
  const plans: Array<[number, number[]]> = [[2, upTo(3)], [3, upTo(5)], [4, upTo(8)], [5, upTo(8)], [8, upTo(8)], [9, [9, 17]]];
  for (const [parts, radii] of plans) {
    it(`finds the brute-force pairs with ${parts} parts for radii ${radii.join(', ')}`, () => {
      for (const radius of radii) {
        const result = index.pairsWithin(radius, { parts });
        assert.equal(result.parts, parts);
        assert.equal(result.subRadius, Math.floor(radius / parts));
        assert.deepEqual(result.pairs, within17.filter((pair) => pair.distance <= radius), `radius ${radius}`);
      }
      const q = hashes[2999];
      const radius = radii[radii.length - 1];
      const expected = hashes.map((hash, i) => ({ index: i, distance: hammingDistance(hash, q) })).filter((m) => m.distance <= radius);
      assert.deepEqual(index.query(q, radius, { parts }), expected);
    });
  }

  it('answers single queries like a linear scan', () => {
    for (const q of [0, 17, 2500]) {
      for (const radius of [0, 2, 5, 9]) {
        const expected = hashes
          .map((hash, i) => ({ index: i, distance: hammingDistance(hash, hashes[q]) }))
          .filter((match) => match.distance <= radius);
        assert.deepEqual(index.query(hashes[q], radius, { method: 'multi-index' }), expected);
        assert.deepEqual(index.query(hashes[q], radius), expected);
      }
    }
  });

  it('pairs identical hashes at distance 0 and accepts bigints', () => {
    const result = HammingIndex.build([0xffn, 0xffn, 0x1ffn, 0xf0000000000000ffn]).pairsWithin(1);
    assert.deepEqual(result.pairs, [
      { first: 0, second: 1, distance: 0 },
      { first: 0, second: 2, distance: 1 },
      { first: 1, second: 2, distance: 1 },
    ]);
    assert.deepEqual(HammingIndex.build([]).pairsWithin(4).pairs, []);
  });

  it('rejects malformed hashes and radii', () => {
    assert.throws(() => HammingIndex.build(['xyz']));
    assert.throws(() => HammingIndex.build([1n << 64n]));
    assert.throws(() => index.pairsWithin(-1));
    assert.throws(() => index.pairsWithin(2, { parts: 1 }));
  });
});
