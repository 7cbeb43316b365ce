// The shift statistics against scipy/numpy values computed outside the engine (scripts/reference/shiftReference.py,
// frozen in test/fixtures/shift/shiftReference.json) and small cases worked by hand.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { kolmogorovSmirnov, kolmogorovSurvival } from '../../../src/engine/shift/kolmogorovSmirnov';
import { populationStabilityIndex } from '../../../src/engine/shift/populationStability';
import { MEDIAN_EXACT_PAIRS, medianPairDistance, mmdPermutationTest } from '../../../src/engine/shift/maximumMeanDiscrepancy';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';
import { blackBoxShift, estimateBlackBoxShift } from '../../../src/engine/shift/blackBoxShift';
import { benjaminiHochberg, holm } from '../../../src/engine/shift/multipleTesting';
import { chiSquareIndependence } from '../../../src/engine/stats/contingency';

interface Reference {
  ks: Array<{ name: string; a: number[]; b: number[]; statistic: number; pValue: number }>;
  kolmogorovSurvival: Array<{ lambda: number; sf: number }>;
  psi: Array<{ name: string; a: number[]; b: number[]; psi: number; edges: number[] }>;
  mmd: Array<{ name: string; x: number[][]; y: number[][]; bandwidth: number; mmd2: number; permutations: number[][]; pValue: number }>;
  bbse: {
    classes: number; referenceTrue: number[]; referencePredicted: number[]; targetPredicted: number[]; targetTrueShares: number[];
    confusion: number[][]; weights: number[]; targetPriors: number[]; expectedAccuracy: number; referenceAccuracy: number; targetAccuracy: number;
  };
  chiSquare: Array<{ table: number[][]; chi2: number; pValue: number; dof: number }>;
  adjust: { p: number[]; bh: number[]; holm: number[] };
}

const reference = JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/shift/shiftReference.json'), 'utf8')) as Reference;

function close(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('shift/statistics', () => {
  describe('two-sample Kolmogorov–Smirnov', () => {
    for (const item of reference.ks) {
      it(`matches scipy.stats.ks_2samp(method='exact') on ${item.name} (n = ${item.a.length}, ${item.b.length})`, () => {
        const result = kolmogorovSmirnov(item.a, item.b);
        assert.equal(result.method, 'exact');
        close(result.statistic, item.statistic, 1e-12, 'D');
        // Relative agreement of the p-value.
        assert.ok(Math.abs(result.pValue - item.pValue) <= 1e-9 + 1e-7 * item.pValue, `p ${result.pValue} vs ${item.pValue}`);
      });
    }

    it('gives D = 1 and a tiny p for disjoint samples, D = 0 and p = 1 for equal ones (by hand)', () => {
      // Hand: 3 vs 3 disjoint; only 2 of the C(6,3) = 20 paths reach D = 1 (all a before all b, or the reverse): p = 0.1.
      const disjoint = kolmogorovSmirnov([1, 2, 3], [4, 5, 6]);
      assert.equal(disjoint.statistic, 1);
      close(disjoint.pValue, 0.1, 1e-12);
      const same = kolmogorovSmirnov([1, 2, 3], [1, 2, 3]);
      assert.equal(same.statistic, 0);
      assert.equal(same.pValue, 1);
    });

    it('uses Kolmogorov\'s limit when n1·n2 exceeds 10^7, matching scipy.stats.kstwobign.sf', () => {
      for (const { lambda, sf } of reference.kolmogorovSurvival) close(kolmogorovSurvival(lambda), sf, 1e-10, `λ = ${lambda}`);
      const big = kolmogorovSmirnov(Float64Array.from({ length: 10_001 }, (_, i) => i), Float64Array.from({ length: 10_001 }, (_, i) => i + 200));
      assert.equal(big.method, 'asymptotic');
      // D = 200/10001 exactly; λ = √(10001/2)·D.
      close(big.statistic, 200 / 10_001, 1e-12);
      close(big.pValue, kolmogorovSurvival(Math.sqrt(10_001 / 2) * (200 / 10_001)), 1e-12);
    });
  });

  describe('population stability index', () => {
    for (const item of reference.psi) {
      it(`matches the numpy decile PSI on ${item.name}`, () => {
        const result = populationStabilityIndex(item.a, item.b);
        close(result.psi, item.psi, 1e-10, 'psi');
        item.edges.forEach((edge, k) => close(result.edges[k], edge, 1e-12, `edge ${k}`));
      });
    }

    it('is 0 for identical samples and follows the formula on a hand-made case', () => {
      assert.equal(populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).psi, 0);
      // Reference 1…10: edges 1.9, 2.8, …, 9.1, one value per bin. Target [1, 1, 1, 1, 1, 10, 10, 10, 10, 10]: bins 0 and 9 hold 0.5
      // each, the other 8 bins are empty (→ 1e-4). PSI = 2·(0.4·ln 5) + 8·((1e-4 − 0.1)·ln(1e-3)).
      const hand = 2 * 0.4 * Math.log(5) + 8 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1);
      close(populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 1, 1, 10, 10, 10, 10, 10]).psi, hand, 1e-12);
    });
  });

  describe('maximum mean discrepancy', () => {
    for (const item of reference.mmd) {
      it(`matches numpy's MMD²_u, median bandwidth and permutation p-value on ${item.name}`, () => {
        const result = mmdPermutationTest(item.x, item.y, { permutations: item.permutations });
        close(result.bandwidth, item.bandwidth, 1e-12, 'σ');
        // The kernel is stored in float32: agreement to ~1e-7 of the kernel scale.
        close(result.mmd2, item.mmd2, 2e-7, 'MMD²');
        close(result.pValue, item.pValue, 1e-12, 'p');
      });
    }

    it('takes the median distance from sampled pairs on large samples, near the analytic median', () => {
      // |X − Y| for X, Y uniform on [0, 1] has CDF 1 − (1 − d)², so its median is 1 − √½ = 0.29289 (by hand).
      const random = mulberry32(11);
      const points = Array.from({ length: 2100 }, () => [random()]);
      assert.ok((2100 * 2099) / 2 > MEDIAN_EXACT_PAIRS);
      const median = medianPairDistance(points, 5);
      assert.ok(Math.abs(median - (1 - Math.SQRT1_2)) < 0.01, `median ${median}`);
    });

    it('with seeded random permutations gives the same p for the same seed and stays within the permutation error of the reference', () => {
      const item = reference.mmd[0];
      const first = mmdPermutationTest(item.x, item.y, { permutations: 400, seed: 7 });
      const again = mmdPermutationTest(item.x, item.y, { permutations: 400, seed: 7 });
      assert.equal(first.pValue, again.pValue);
      // Reference p from 100 permutations: 0.059; a binomial standard error at p ≈ 0.06 with 400 + 100 draws is about 0.025.
      assert.ok(Math.abs(first.pValue - item.pValue) < 0.06, `p ${first.pValue} vs ${item.pValue}`);
    });
  });

  describe('black-box shift estimation', () => {
    const b = reference.bbse;
    it('matches numpy: C, w = solve(C, μ̂), q̂ and the expected accuracy', () => {
      const result = estimateBlackBoxShift(b.referenceTrue, b.referencePredicted, b.targetPredicted, b.classes);
      b.confusion.forEach((row, i) => row.forEach((value, j) => close(result.confusion[i][j], value, 1e-12, `C[${i}][${j}]`)));
      b.weights.forEach((w, j) => close(result.weights?.[j] ?? Number.NaN, w, 1e-9, `w[${j}]`));
      b.targetPriors.forEach((q, j) => close(result.targetPriors?.[j] ?? Number.NaN, q, 1e-9, `q[${j}]`));
      close(result.expectedAccuracy ?? Number.NaN, b.expectedAccuracy, 1e-9, 'expected accuracy');
      close(result.referenceAccuracy, b.referenceAccuracy, 1e-12, 'reference accuracy');
    });

    it('has bootstrap intervals that cover the true target priors and the true target accuracy of the simulation', () => {
      const result = blackBoxShift(b.referenceTrue, b.referencePredicted, b.targetPredicted, b.classes, { replicates: 400, level: 0.95, seed: 3 });
      b.targetTrueShares.forEach((share, j) => {
        const interval = result.priorIntervals[j];
        assert.ok(interval.lower !== null && interval.upper !== null && interval.lower <= share && share <= interval.upper, `class ${j}: ${share} outside [${interval.lower}, ${interval.upper}]`);
      });
      const accuracy = result.expectedAccuracyInterval;
      assert.ok(accuracy.lower !== null && accuracy.upper !== null && accuracy.lower <= b.targetAccuracy && b.targetAccuracy <= accuracy.upper);
      assert.equal(result.singularReplicates, 0);
    });

    it('finds no shift when the target predictions are the reference predictions (w = 1 by hand)', () => {
      const yTrue = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
      const yPred = [0, 0, 1, 1, 1, 1, 2, 2, 2, 0];
      const result = estimateBlackBoxShift(yTrue, yPred, yPred, 3);
      result.weights?.forEach((w) => close(w, 1, 1e-12, 'w'));
      close(result.expectedAccuracy ?? Number.NaN, 0.7, 1e-12, 'accuracy 7/10');
    });

    it('reports a singular confusion matrix as no estimate', () => {
      // The model always predicts class 0: C has one non-zero row.
      const result = estimateBlackBoxShift([0, 1, 0, 1], [0, 0, 0, 0], [0, 0], 2);
      assert.equal(result.weights, undefined);
      assert.equal(result.targetPriors, undefined);
    });
  });

  it('tests group shares like scipy.stats.chi2_contingency(correction=False)', () => {
    for (const item of reference.chiSquare) {
      const result = chiSquareIndependence(item.table);
      assert.ok(result);
      close(result.chi2, item.chi2, 1e-10, 'χ²');
      assert.equal(result.dof, item.dof);
      assert.ok(Math.abs(result.pValue - item.pValue) <= 1e-12 + 1e-8 * item.pValue, `p ${result.pValue} vs ${item.pValue}`);
    }
  });

  it('adjusts p-values by Benjamini–Hochberg and Holm as written out in numpy, and by hand', () => {
    benjaminiHochberg(reference.adjust.p).forEach((p, k) => close(p, reference.adjust.bh[k], 1e-12, `BH ${k}`));
    holm(reference.adjust.p).forEach((p, k) => close(p, reference.adjust.holm[k], 1e-12, `Holm ${k}`));
    // Hand: p = (0.01, 0.04, 0.03), m = 3. BH: sorted 0.01, 0.03, 0.04 → 0.03, 0.045, 0.04 → monotone 0.03, 0.04, 0.04.
    assert.deepEqual(benjaminiHochberg([0.01, 0.04, 0.03]).map((p) => Number(p.toFixed(12))), [0.03, 0.04, 0.04]);
    // Holm: 3·0.01 = 0.03, 2·0.03 = 0.06, 1·0.04 → max-accumulated 0.06.
    assert.deepEqual(holm([0.01, 0.04, 0.03, Number.NaN]).map((p) => (Number.isNaN(p) ? 'NaN' : Number(p.toFixed(12)))), [0.03, 0.06, 0.06, 'NaN']);
  });
});
