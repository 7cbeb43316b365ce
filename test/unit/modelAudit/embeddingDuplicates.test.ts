// Exact cosine-pair search (Gram matrix by ONNX Runtime) and the embedding-duplicate policy built on it.
import * as assert from 'node:assert/strict';
import { forEachCosinePair, normaliseRows, type CosinePair } from '../../../src/engine/model/cosinePairs';
import { findEmbeddingDuplicatePairs, MAX_DUPLICATE_PAIR_SHARE } from '../../../src/engine/modelAudit/embeddingDuplicates';
import { mulberry32 } from '../../../src/engine/metrics';

function randomVectors(n: number, d: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => random() * 2 - 1));
}

function bruteForce(vectors: Float32Array[], threshold: number): Array<[number, number]> {
  const { data, dimension } = normaliseRows(vectors);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      let dot = 0;
      for (let k = 0; k < dimension; k++) dot += data[i * dimension + k] * data[j * dimension + k];
      if (dot >= threshold) out.push([i, j]);
    }
  }
  return out;
}

describe('cosine pairs', () => {
  it('finds exactly the pairs a brute-force loop finds, across block boundaries', async () => {
    const vectors = randomVectors(1500, 8, 3);
    const pairs: CosinePair[] = [];
    const { comparisons } = await forEachCosinePair(vectors, 0.8, (pair) => {
      pairs.push(pair);
    });
    const expected = bruteForce(vectors, 0.8);
    assert.ok(expected.length > 1000, `${expected.length} pairs`);
    assert.deepEqual(pairs.map((p) => [p.first, p.second]).sort((a, b) => a[0] - b[0] || a[1] - b[1]), expected);
    assert.equal(comparisons, (1500 * 1499) / 2);
  });

  it('gives a scaled copy cosine 1, pairs no zero vector, and stops when asked', async () => {
    const base = Float32Array.of(1, 2, 3);
    const vectors = [base, Float32Array.of(0.1, 0.2, 0.3), Float32Array.of(0, 0, 0), Float32Array.of(-1, 0, 0)];
    const pairs: CosinePair[] = [];
    const result = await forEachCosinePair(vectors, -1, (pair) => {
      pairs.push(pair);
    });
    assert.deepEqual(result.zeroVectors, [2]);
    assert.ok(pairs.every((p) => p.first !== 2 && p.second !== 2));
    assert.ok(Math.abs(pairs.find((p) => p.first === 0 && p.second === 1)!.similarity - 1) < 1e-6);
    let seen = 0;
    const stopped = await forEachCosinePair(vectors, -1, () => ++seen < 2);
    assert.equal(stopped.stopped, true);
    assert.equal(seen, 2);
  });
});

describe('embedding duplicates', () => {
  it('reports near-identical embeddings with different labels or splits, and not the others', async () => {
    const vectors = randomVectors(200, 32, 11);
    vectors[10] = vectors[3].map((v) => v * 2 + 0.001); // same direction as 3
    vectors[20] = vectors[4].map((v) => v + 0.002); // same as 4
    vectors[30] = vectors[5].map((v) => v * 0.5); // same as 5
    const labels = vectors.map(() => 'a');
    const splits = vectors.map(() => 'train');
    labels[10] = 'b'; // 3–10: conflicting labels
    splits[20] = 'test'; // 4–20: across splits
    const search = await findEmbeddingDuplicatePairs(vectors, labels, splits, 0.99);
    assert.equal(search.discriminative, true);
    assert.equal(search.pairs, 3);
    assert.equal(search.flagged, 2);
    assert.deepEqual(search.kept.map((p) => [p.first, p.second, p.conflictingLabels, p.crossSplit]).sort(), [[3, 10, true, false], [4, 20, false, true]]);
  });

  it('reports nothing when the embedding does not tell images apart (too many pairs match)', async () => {
    // Non-negative vectors with a large shared component: every pair has cosine ≥ 0.9.
    const random = mulberry32(5);
    const vectors = Array.from({ length: 300 }, () => Float32Array.from({ length: 16 }, () => 5 + random()));
    const search = await findEmbeddingDuplicatePairs(vectors, vectors.map((_, i) => String(i % 2)), vectors.map(() => 's'), 0.9);
    assert.equal(search.discriminative, false);
    assert.equal(search.kept.length, 0);
    assert.match(search.skipped ?? '', /does not tell individual images apart/);
    assert.equal(search.pairs, Math.floor((MAX_DUPLICATE_PAIR_SHARE * 300 * 299) / 2) + 1);
  });
});
