// The binomial and multinomial samplers the count bootstrap draws from, against references computed outside the engine
// (scripts/reference/multinomialReference.py: exact moments, scipy.stats.binom probabilities and chi-square critical
// values, numpy's own multinomial sample moments).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { binomialDraw, multinomialDraw } from '../../../src/engine/metrics/multinomialSampler';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';

interface Moments {
  mean: number;
  variance: number;
  seMean: number;
  seVariance: number;
}
interface BinomialCase extends Moments {
  n: number;
  p: number;
  draws: number;
  cells: Array<{ from: number; to: number; probability: number }>;
  chiSquareCritical: number;
}
interface MultinomialCase {
  n: number;
  weights: number[];
  draws: number;
  categories: Array<Moments & { indices: number[]; numpyMean: number; numpyVariance: number }>;
}
const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/metrics/multinomialReference.json'), 'utf8')) as {
  alpha: number;
  binomials: BinomialCase[];
  multinomials: MultinomialCase[];
};

/**
 * A sample mean or variance lies within Z standard errors of its expectation: two-sided probability 5.7e-7 per check for
 * a normal statistic (M = 100,000 draws), so the ~100 checks below fail by chance with probability below 1e-4.
 */
const Z = 5;

function sampleMoments(values: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

function assertMoments(actual: { mean: number; variance: number }, expected: Moments, what: string): void {
  assert.ok(Math.abs(actual.mean - expected.mean) <= Z * expected.seMean, `${what}: mean ${actual.mean} vs ${expected.mean} (SE ${expected.seMean})`);
  assert.ok(Math.abs(actual.variance - expected.variance) <= Z * expected.seVariance, `${what}: variance ${actual.variance} vs ${expected.variance} (SE ${expected.seVariance})`);
}

describe('metrics/multinomialSampler', () => {
  for (const c of reference.binomials) {
    it(`draws Binomial(${c.n}, ${c.p}) with the exact mean, variance and distribution (chi-square against scipy)`, () => {
      const random = mulberry32(c.n ^ Math.round(c.p * 1e6));
      const draws = new Float64Array(c.draws);
      for (let d = 0; d < c.draws; d++) {
        draws[d] = binomialDraw(c.n, c.p, random);
        assert.ok(Number.isInteger(draws[d]) && draws[d] >= 0 && draws[d] <= c.n, `draw ${draws[d]} outside 0..${c.n}`);
      }
      assertMoments(sampleMoments(draws), c, `Binomial(${c.n}, ${c.p})`);
      // Pearson's chi-square over scipy's cells (expected count ≥ 5 each), against its critical value at α = 1e-6.
      const observed = new Float64Array(c.cells.length);
      const cellOf = new Int32Array(c.n + 1);
      c.cells.forEach((cell, j) => cellOf.fill(j, cell.from, cell.to + 1));
      for (let d = 0; d < c.draws; d++) observed[cellOf[draws[d]]]++;
      const statistic = c.cells.reduce((sum, cell, j) => sum + (observed[j] - c.draws * cell.probability) ** 2 / (c.draws * cell.probability), 0);
      assert.ok(statistic < c.chiSquareCritical, `chi-square ${statistic.toFixed(1)} ≥ ${c.chiSquareCritical.toFixed(1)} on ${c.cells.length - 1} degrees of freedom`);
    });
  }

  for (const c of reference.multinomials) {
    it(`draws Multinomial(${c.n}; ${c.weights.join(', ')}) with the moments of every category and pair, as numpy's sampler does`, () => {
      const random = mulberry32(c.n);
      const out = new Float64Array(c.weights.length);
      const draws = c.weights.map(() => new Float64Array(c.draws));
      for (let d = 0; d < c.draws; d++) {
        multinomialDraw(c.n, c.weights, out, random);
        let total = 0;
        out.forEach((count, i) => {
          draws[i][d] = count;
          total += count;
          if (c.weights[i] === 0) assert.equal(count, 0, 'a category of weight 0 is never drawn');
        });
        assert.equal(total, c.n);
      }
      for (const category of c.categories) {
        const values = category.indices.length === 1 ? draws[category.indices[0]] : draws[category.indices[0]].map((v, d) => v + draws[category.indices[1]][d]);
        const ours = sampleMoments(values);
        const what = `categories ${category.indices.join('+')}`;
        assertMoments(ours, category, what);
        // numpy's sample and ours are independent draws of the same statistic: their difference has √2 × the standard error.
        assert.ok(Math.abs(ours.mean - category.numpyMean) <= Z * Math.SQRT2 * category.seMean + 1e-12, `${what}: mean ${ours.mean} vs numpy's ${category.numpyMean}`);
        assert.ok(Math.abs(ours.variance - category.numpyVariance) <= Z * Math.SQRT2 * category.seVariance + 1e-12, `${what}: variance ${ours.variance} vs numpy's ${category.numpyVariance}`);
      }
    });
  }

  it('is deterministic for a seed, and handles the edges (n = 0, p = 0, p = 1, one category)', () => {
    const run = (seed: number): number[] => {
      const random = mulberry32(seed);
      return Array.from({ length: 50 }, (_, i) => binomialDraw(100 + i * 37, 0.01 + i * 0.019, random));
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
    const random = mulberry32(1);
    assert.equal(binomialDraw(0, 0.5, random), 0);
    assert.equal(binomialDraw(10, 0, random), 0);
    assert.equal(binomialDraw(10, 1, random), 10);
    const out = [0];
    multinomialDraw(17, [3], out, random);
    assert.deepEqual(out, [17]);
  });
});
