import * as assert from 'node:assert/strict';
import { conflictingLabelDuplicates, findEmbeddingDuplicates, l2Normalise, signatureRadius } from '../../../src/engine/labels';
import { FairframeError } from '../../../src/engine/errors';

/** Deterministic standard normals (xorshift32 + Box–Muller). */
function normals(seed: number): () => number {
  let state = seed;
  const uniform = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function randomVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const gaussian = normals(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dimension }, gaussian));
}

/** A unit vector u and one at exactly the given cosine to it: cos·u + sin·w with w ⟂ u. */
function atCosine(cosine: number): [number[], number[]] {
  const sine = Math.sqrt(1 - cosine * cosine);
  return [[1, 0, 0, 0], [cosine, sine, 0, 0]];
}

describe('labels/embeddingDuplicates', () => {
  it('L2-normalises and leaves a zero vector as zeros, without NaN', () => {
    const { data, zeroVectors } = l2Normalise([[3, 4], [0, 0]]);
    [0.6, 0.8, 0, 0].forEach((expected, i) => assert.ok(Math.abs(data[i] - expected) < 1e-15, String(data[i])));
    assert.deepEqual(zeroVectors, [1]);
  });

  it('finds an exact copy and a scaled copy at cosine 1, and separates near from far', () => {
    const [u, near] = atCosine(0.95);
    const [, far] = atCosine(0.85);
    const embeddings = [
      [1, 2, 3, 4], // 0
      [1, 2, 3, 4], // 1: exact copy of 0
      [0, 5, 0, 0], // 2
      [0, 0.5, 0, 0], // 3: 2 scaled by 0.1, cosine 1
      u, // 4
      near, // 5: cosine 0.95 to 4
      [0, 0, 0, 9], // 6
      [far[1], 0, 0, far[0]].map((x) => x * 3), // 7: cosine 0.85 to 6, below 0.9
    ];
    const result = findEmbeddingDuplicates(embeddings);
    assert.equal(result.method, 'exact');
    assert.deepEqual(result.pairs.map((p) => [p.first, p.second]), [[0, 1], [2, 3], [4, 5]]);
    assert.ok(Math.abs(result.pairs[0].similarity - 1) < 1e-12);
    assert.ok(Math.abs(result.pairs[1].similarity - 1) < 1e-12);
    assert.ok(Math.abs(result.pairs[2].similarity - 0.95) < 1e-12);
    assert.deepEqual(result.clusters.map((c) => c.members), [[0, 1], [2, 3], [4, 5]]);
    // At threshold 0.8 the 0.85 pair joins.
    assert.deepEqual(findEmbeddingDuplicates(embeddings, { threshold: 0.8 }).clusters.map((c) => c.members), [[0, 1], [2, 3], [4, 5], [6, 7]]);
  });

  it('clusters chains with union-find and reports label conflicts and split leaks', () => {
    // 0–1 at cosine 0.95 and 1–2 at 0.95, but 0–2 at cos(2·18.19°) = 0.805: one cluster through the chain.
    const angle = Math.acos(0.95);
    const embeddings = [0, angle, 2 * angle].map((a) => [Math.cos(a), Math.sin(a), 0]);
    embeddings.push([0, 0, 1], [0, 0, 2]);
    const labels = ['nevus', 'melanoma', 'nevus', 'nevus', null];
    const splits = ['train', 'train', 'test', 'train', 'train'];
    const result = findEmbeddingDuplicates(embeddings, { labels, splits });
    assert.deepEqual(result.pairs.map((p) => [p.first, p.second]), [[0, 1], [1, 2], [3, 4]]);
    const [chain, copy] = result.clusters;
    assert.deepEqual(chain.members, [0, 1, 2]);
    assert.deepEqual(chain.labels, ['nevus', 'melanoma']);
    assert.equal(chain.conflictingLabels, true);
    assert.deepEqual(chain.splits, ['train', 'test']);
    assert.equal(chain.crossSplit, true);
    assert.ok(Math.abs(chain.minSimilarity - 0.95) < 1e-12 && Math.abs(chain.maxSimilarity - 0.95) < 1e-12);
    // An unknown label does not conflict.
    assert.deepEqual(copy.members, [3, 4]);
    assert.equal(copy.conflictingLabels, false);
    assert.equal(copy.crossSplit, false);
    assert.deepEqual(conflictingLabelDuplicates(result.clusters, labels).map((c) => c.members), [[0, 1, 2]]);
    assert.deepEqual(conflictingLabelDuplicates(result.clusters, [0, 0, 0, 1, 2]).map((c) => c.members), [[3, 4]]);
  });

  it('never pairs zero vectors, with each other or anything else', () => {
    const result = findEmbeddingDuplicates([[0, 0, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0]]);
    assert.deepEqual(result.zeroVectors, [0, 1]);
    assert.deepEqual(result.pairs.map((p) => [p.first, p.second]), [[2, 3]]);
    assert.ok(result.pairs.every((p) => Number.isFinite(p.similarity)));
  });

  it('sets the signature radius from the binomial tail: cos 0.9 → θ/π = 0.1436, radius 39 of 128 bits', () => {
    const { radius, tail } = signatureRadius(0.9);
    // Binomial(128, 0.14357) has mean 18.4 and SD 3.97. scipy.stats.binom.sf: P(X > 39) = 9.008164437422836e-07 ≤ 1e-6,
    // P(X > 38) = 2.462786211871995e-06.
    assert.equal(radius, 39);
    assert.ok(Math.abs(tail / 9.008164437422836e-7 - 1) < 1e-9, String(tail));
    assert.ok(signatureRadius(0.9, 128, 1e-6).radius > signatureRadius(0.99).radius);
    assert.equal(signatureRadius(1).radius, 0);
  });

  it('finds the same planted pairs with signatures as by exact search on 2,500 × 64 vectors', () => {
    const embeddings = randomVectors(2500, 64, 7);
    const gaussian = normals(99);
    // Plant 30 copies with small noise (cosine ≈ 0.99) and 30 exact copies.
    for (let p = 0; p < 30; p++) embeddings[1000 + p] = embeddings[p].map((x) => x + 0.1 * gaussian());
    for (let p = 0; p < 30; p++) embeddings[2000 + p] = Float32Array.from(embeddings[100 + p]);
    const exact = findEmbeddingDuplicates(embeddings, { method: 'exact' });
    const signed = findEmbeddingDuplicates(embeddings, { method: 'simhash' });
    assert.equal(exact.pairs.length, 60);
    assert.deepEqual(signed.pairs, exact.pairs);
    assert.equal(signed.method, 'simhash');
    assert.ok(signed.comparisons < exact.comparisons / 100, `${signed.comparisons} verified of ${exact.comparisons}`);
    assert.ok(signed.missProbabilityBound <= 1e-6);
  });

  it('searches 10,000 × 128 vectors by signatures and finds every planted near duplicate', function () {
    this.timeout(120_000);
    const embeddings = randomVectors(10_000, 128, 3);
    const gaussian = normals(5);
    for (let p = 0; p < 40; p++) embeddings[5000 + p] = embeddings[p * 11].map((x) => x + 0.2 * gaussian());
    const result = findEmbeddingDuplicates(embeddings);
    assert.equal(result.method, 'simhash');
    assert.deepEqual(result.pairs.map((p) => [p.first, p.second]), Array.from({ length: 40 }, (_, p) => [p * 11, 5000 + p]));
    assert.ok(result.pairs.every((p) => p.similarity > 0.95 && p.similarity < 1));
  });

  it('keeps at most maxPairs pairs but clusters with all of them', () => {
    const result = findEmbeddingDuplicates([[1, 0], [2, 0], [3, 0]], { maxPairs: 1 });
    assert.equal(result.pairs.length, 1);
    assert.equal(result.pairsTruncated, true);
    assert.deepEqual(result.clusters.map((c) => c.members), [[0, 1, 2]]);
  });

  it('rejects ragged or non-finite embeddings and a bad threshold', () => {
    assert.throws(() => findEmbeddingDuplicates([[1, 2], [1]]), (e: unknown) => FairframeError.is(e, 'internal') && /same model output/.test(e.message));
    assert.throws(() => findEmbeddingDuplicates([[1, Number.NaN]]), /non-finite/);
    assert.throws(() => findEmbeddingDuplicates([[1, 2]], { threshold: 1.5 }), (e: unknown) => FairframeError.is(e, 'bad-config'));
    assert.throws(() => findEmbeddingDuplicates([[1, 2]], { labels: ['a', 'b'] }), /2 labels/);
  });
});
