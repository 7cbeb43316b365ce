import * as assert from 'node:assert/strict';
import { CandidateLists, CANDIDATES_PER_IMAGE, MIN_LAYOUT_SIMILARITY, MIN_SPECTRUM_SIMILARITY, scoreSortedProposals, SPECTRUM_CANDIDATES_PER_IMAGE, SPECTRUM_WINDOW } from '../../../src/engine/checks/proposalScoring';
import { LAYOUT_LENGTH, SPECTRUM_LENGTH } from '../../../src/engine/image/imageSignatures';
import { verificationPool } from '../../../src/worker/verifyPool';

/** A seeded generator (LCG), so every run draws the same numbers. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The k best (score, then lower partner) of an item's distinct offers: a plain reference for CandidateLists. */
function bestOf(offers: Array<[partner: number, score: number]>, k: number): number[] {
  const best = new Map<number, number>();
  for (const [partner, score] of offers) best.set(partner, Math.fround(score));
  return [...best].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, k).map(([partner]) => partner).sort((x, y) => x - y);
}

/** Unit vectors of `length`, clustered around a few directions so that many pairs pass the similarity floors. */
function clusteredVectors(n: number, length: number, random: () => number): Float32Array {
  const centres = Array.from({ length: 5 }, () => Array.from({ length }, () => random() - 0.5));
  const out = new Float32Array(n * length);
  for (let p = 0; p < n; p++) {
    const centre = centres[p % centres.length];
    const v = centre.map((c) => c + 0.15 * (random() - 0.5));
    const norm = Math.hypot(...v);
    v.forEach((x, i) => (out[p * length + i] = x / norm));
  }
  return out;
}

describe('checks/proposalScoring', () => {
  it('a candidate list keeps the k best partners whatever the order of offers, ties by the lower index', () => {
    const random = generator(7);
    for (let trial = 0; trial < 200; trial++) {
      // Scores from a few levels, so that ties are common.
      const offers: Array<[number, number]> = Array.from({ length: 3 + Math.floor(random() * 20) }, () => [Math.floor(random() * 15), Math.floor(random() * 4) / 4]);
      const forward = CandidateLists.empty(1, 4);
      const backward = CandidateLists.empty(1, 4);
      for (const [partner, score] of offers) forward.offer(0, partner, score);
      for (const [partner, score] of [...offers].reverse()) backward.offer(0, partner, score);
      // A partner offered twice has one score (the search scores a pair the same way each time).
      const scoreOf = new Map(offers);
      const consistent = offers.map(([partner]) => [partner, scoreOf.get(partner)!] as [number, number]);
      const reference = bestOf(consistent, 4);
      const kept = (lists: CandidateLists): number[] => lists.of(0).sort((x, y) => x - y);
      const again = CandidateLists.empty(1, 4);
      const split = CandidateLists.empty(1, 4);
      consistent.forEach(([partner, score], i) => (i % 2 ? split : again).offer(0, partner, score));
      again.merge(split);
      const fresh = CandidateLists.empty(1, 4);
      for (const [partner, score] of consistent) fresh.offer(0, partner, score);
      assert.deepEqual(kept(fresh), reference);
      assert.deepEqual(kept(again), reference);
      assert.equal(kept(forward).length, reference.length);
      assert.equal(kept(backward).length, reference.length);
    }
  });

  it('scores sorted neighbours like a brute-force reference, in one thread and in two', async function () {
    this.timeout(120_000);
    const random = generator(11);
    const n = 600;
    const layouts = clusteredVectors(n, LAYOUT_LENGTH, random);
    const spectra = clusteredVectors(n, SPECTRUM_LENGTH, random);
    const orders = (count: number): Uint32Array[] => Array.from({ length: count }, () => Uint32Array.from({ length: n }, () => Math.floor(random() * 2 ** 32)));
    const layoutOrders = orders(3);
    const spectrumOrders = orders(4);
    const window = 5;
    // Reference: every pair within the window in each order (ties in hash by index), scored with plain dot products.
    const dot = (vectors: Float32Array, length: number, p: number, q: number): number => {
      let s = 0;
      for (let i = 0; i < length; i++) s += vectors[p * length + i] * vectors[q * length + i];
      return s;
    };
    const layoutOffers: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
    const spectrumOffers: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
    const pairsOf = (hashes: Uint32Array, w: number): Array<[number, number]> => {
      const sorted = Array.from({ length: n }, (_, i) => i).sort((x, y) => hashes[x] - hashes[y] || x - y);
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j <= Math.min(n - 1, i + w); j++) pairs.push([sorted[i], sorted[j]]);
      return pairs;
    };
    for (const hashes of layoutOrders) {
      for (const [p, q] of pairsOf(hashes, window)) {
        const similarity = dot(layouts, LAYOUT_LENGTH, p, q);
        if (similarity < MIN_LAYOUT_SIMILARITY) continue;
        layoutOffers[p].push([q, similarity]);
        layoutOffers[q].push([p, similarity]);
        spectrumOffers[p].push([q, dot(spectra, SPECTRUM_LENGTH, p, q)]);
        spectrumOffers[q].push([p, dot(spectra, SPECTRUM_LENGTH, p, q)]);
      }
    }
    for (const hashes of spectrumOrders) {
      for (const [p, q] of pairsOf(hashes, SPECTRUM_WINDOW)) {
        const spectral = dot(spectra, SPECTRUM_LENGTH, p, q);
        if (spectral < MIN_SPECTRUM_SIMILARITY) continue;
        spectrumOffers[p].push([q, spectral]);
        spectrumOffers[q].push([p, spectral]);
      }
    }
    const pool = verificationPool(2);
    for (const parallel of [undefined, pool]) {
      const scored = await scoreSortedProposals(layouts, spectra, layoutOrders, window, spectrumOrders, { parallel, parallelMinItems: 100 });
      assert.equal(scored.layoutVisits, 3 * (n * window - (window * (window + 1)) / 2));
      assert.equal(scored.spectrumVisits, 4 * (n * SPECTRUM_WINDOW - (SPECTRUM_WINDOW * (SPECTRUM_WINDOW + 1)) / 2));
      let listed = 0;
      for (let p = 0; p < n; p++) {
        assert.deepEqual(scored.byLayout.of(p).sort((x, y) => x - y), bestOf(layoutOffers[p], CANDIDATES_PER_IMAGE), `item ${p} by layout`);
        assert.deepEqual(scored.bySpectrum.of(p).sort((x, y) => x - y), bestOf(spectrumOffers[p], SPECTRUM_CANDIDATES_PER_IMAGE), `item ${p} by spectrum`);
        listed += scored.byLayout.of(p).length;
      }
      // The clustered vectors pass the floors often enough for the lists to be full.
      assert.ok(listed > n * (CANDIDATES_PER_IMAGE - 1), `${listed} layout candidates`);
    }
  });
});
