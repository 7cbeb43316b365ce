import * as assert from 'node:assert/strict';
import { chiSquareCdf, chiSquareGoodnessOfFit, chiSquareLogSf, chiSquareSf } from '../../../src/engine/stats/chiSquare';
import { logGamma, regularisedGammaP, regularisedGammaQ } from '../../../src/engine/stats/gamma';

/** Asserts |actual − expected| ≤ tolerance·|expected|. */
function assertRelative(actual: number, expected: number, tolerance: number, label = ''): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= tolerance, `${label}: ${actual} vs ${expected} (relative error ${error})`);
}

describe('stats/gamma', () => {
  it('computes ln Γ against math.lgamma', () => {
    // Python: math.lgamma(x)
    const reference: Array<[number, number]> = [
      [0.1, 2.2527126517342055],
      [0.5, 0.5723649429247004],
      [1.5, -0.12078223763524543],
      [2.5, 0.2846828704729196],
      [3.7, 1.4280723266653883],
      [10, 12.801827480081467],
      [100.5, 361.4355404677776],
      [1000.25, 5906.947268271117],
    ];
    for (const [x, expected] of reference) assertRelative(logGamma(x), expected, 1e-13, `lgamma(${x})`);
    assert.ok(Math.abs(logGamma(1)) < 1e-14);
    assert.ok(Math.abs(logGamma(2)) < 1e-14);
    assert.ok(Number.isNaN(logGamma(0)));
    assert.ok(Number.isNaN(logGamma(-1)));
  });

  it('has P + Q = 1 and the closed form Q(1, x) = e^(−x)', () => {
    for (const [a, x] of [[0.5, 0.3], [3, 2], [3, 7], [40, 38], [40, 45]]) {
      assert.ok(Math.abs(regularisedGammaP(a, x) + regularisedGammaQ(a, x) - 1) < 1e-14, `${a}, ${x}`);
    }
    for (const x of [0.25, 1, 2, 10, 300]) assertRelative(regularisedGammaQ(1, x), Math.exp(-x), 1e-13, `Q(1,${x})`);
  });
});

describe('stats/chiSquare', () => {
  it('matches scipy.stats.chi2.sf to 1e-10 relative, down to 1e-306', () => {
    // scipy.stats.chi2.sf(x, dof), scipy 1.10.1 (agreeing with mpmath.gammainc at 50 digits to 1e-13).
    const reference: Array<[number, number, number]> = [
      [3.84, 1, 0.05004352124870519],
      [0.5, 1, 0.47950012218695337],
      [2, 2, 0.36787944117144245],
      [7.5, 4, 0.11170929281604328],
      [29, 30, 0.5175966978958983],
      [30, 30, 0.4656537089440098],
      [100, 10, 5.4497019829205215e-17],
      [500, 480, 0.25520841903693425],
      [5000, 4900, 0.1562274137489366],
      [920, 2, 1.6770203186015334e-200],
      [1e3, 3, 1.7994208765314067e-216],
      [1380, 1, 4.661158455674e-302],
      [1400, 1, 2.1010145162644003e-306],
      [0.001, 5, 0.9999999983185123],
    ];
    for (const [x, dof, expected] of reference) assertRelative(chiSquareSf(x, dof), expected, 1e-10, `sf(${x}, ${dof})`);
  });

  it('keeps the log p-value finite where p underflows', () => {
    // mpmath: log(gammainc(dof/2, x/2, inf, regularized=True)), 50 digits.
    const reference: Array<[number, number, number]> = [
      [1e4, 10, -4969.108480904704],
      [2000, 50, -888.9743351517662],
      [3000, 30, -1422.796764933063],
      [1e5, 1, -50005.98226408488],
      [0.001, 5, -1.681487720384328e-9],
    ];
    for (const [x, dof, expected] of reference) assertRelative(chiSquareLogSf(x, dof), expected, 1e-12, `logsf(${x}, ${dof})`);
    assert.equal(chiSquareSf(1e4, 10), 0);
    assert.equal(chiSquareSf(0, 3), 1);
    assert.equal(chiSquareSf(Number.POSITIVE_INFINITY, 3), 0);
    assert.ok(Number.isNaN(chiSquareSf(3, 0)));
    assert.ok(Math.abs(chiSquareCdf(3.84, 1) - (1 - 0.05004352124870519)) < 1e-14);
  });

  it('runs the goodness-of-fit test like scipy.stats.chisquare', () => {
    // scipy.stats.chisquare([30, 14, 6], f_exp=[25, 15, 10]) → statistic 2.6666666666666665, p 0.26359713811572677
    const result = chiSquareGoodnessOfFit([30, 14, 6], [0.5, 0.3, 0.2]);
    assert.ok(result);
    assert.equal(result.dof, 2);
    assert.equal(result.n, 50);
    assert.deepEqual(result.expected.map((e) => Math.round(e * 1e9) / 1e9), [25, 15, 10]);
    assertRelative(result.chi2, 2.6666666666666665, 1e-12, 'chi2');
    assertRelative(result.pValue, 0.26359713811572677, 1e-10, 'p');
    assert.equal(chiSquareGoodnessOfFit([5], [1]), undefined);
    assert.equal(chiSquareGoodnessOfFit([0, 0], [1, 1]), undefined);
    assert.equal(chiSquareGoodnessOfFit([3, 2], [1, 0]), undefined);
  });
});
