import * as assert from 'node:assert/strict';
import { mean, standardisedMeanDifference } from '../../../src/engine/stats/effectSize';

describe('stats/effectSize', () => {
  it('computes the mean', () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.ok(Number.isNaN(mean([])));
  });

  it("computes Cohen's d with the pooled SD by hand", () => {
    // a: mean 3, SS = 4+1+0+1+4 = 10 (n 5); b: mean 6, SS = 1+0+1 = 2 (n 3).
    // s_p = sqrt((10 + 2) / 6) = sqrt(2); d = (3 − 6) / sqrt(2) = −2.1213203435596424.
    const d = standardisedMeanDifference([1, 2, 3, 4, 5], [5, 6, 7]);
    assert.ok(Math.abs(d - -3 / Math.SQRT2) < 1e-12, String(d));
    assert.ok(Math.abs(standardisedMeanDifference([5, 6, 7], [1, 2, 3, 4, 5]) - 3 / Math.SQRT2) < 1e-12);
  });

  it('matches a reference value on unequal samples', () => {
    // numpy: (mean(a)-mean(b)) / sqrt(((na-1)*var(a,ddof=1) + (nb-1)*var(b,ddof=1)) / (na+nb-2))
    const a = [0.2, 0.5, 0.9, 1.4, 0.3, 0.8];
    const b = [1.1, 1.5, 0.7, 2.0];
    // a: mean 0.6833333, SS = 0.9883333; b: mean 1.325, SS = 0.9275; s_p = sqrt(1.9158333/8) = 0.48936809
    // d = −0.6416667 / 0.48936809 = −1.3112201362
    const d = standardisedMeanDifference(a, b);
    assert.ok(Math.abs(d - -1.3112201362143716) < 1e-12, String(d));
  });

  it('handles degenerate samples explicitly', () => {
    assert.ok(Number.isNaN(standardisedMeanDifference([], [1, 2])));
    assert.ok(Number.isNaN(standardisedMeanDifference([1], [2])));
    assert.equal(standardisedMeanDifference([0.1, 0.1, 0.1], [0.1, 0.1]), 0);
    assert.equal(standardisedMeanDifference([0.1, 0.1, 0.1], [0.2, 0.2]), Number.NEGATIVE_INFINITY);
    assert.equal(standardisedMeanDifference([3, 3], [1, 1, 1]), Number.POSITIVE_INFINITY);
  });
});
