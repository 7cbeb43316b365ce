import * as assert from 'node:assert/strict';
import { adjustedResiduals, chiSquareIndependence, cramersV, expectedCounts, tableMargins } from '../../../src/engine/stats/contingency';

function close(actual: number, expected: number, tolerance = 1e-10): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
}

describe('stats/contingency', () => {
  it('tests a 2 × 2 table like scipy chi2_contingency(correction=False)', () => {
    // n = 60, rows 30/30, columns 25/35 → E = 12.5, 17.5; χ² = 2·(7.5²/12.5 + 7.5²/17.5) = 15.428571428571429.
    const result = chiSquareIndependence([[20, 10], [5, 25]]);
    assert.ok(result);
    close(result.chi2, 15.42857142857143);
    assert.equal(result.dof, 1);
    close(result.pValue / 8.568298010910447e-5, 1); // scipy p
    assert.deepEqual(result.expected, [[12.5, 17.5], [12.5, 17.5]]);
    // Cramér's V = √(15.428571 / (60·1)) = 0.50709255283711.
    close(result.cramersV, Math.sqrt(15.428571428571429 / 60));
    close(result.cramersV, 0.50709255283711);
    assert.equal(result.n, 60);
    assert.equal(result.lowExpectedCells, 0);
  });

  it('computes adjusted residuals on a 2 × 2 by hand', () => {
    // (20 − 12.5) / √(12.5 · (1 − 30/60) · (1 − 25/60)) = 7.5 / √3.6458333 = 3.927922024247863; signs alternate.
    const r = adjustedResiduals([[20, 10], [5, 25]]);
    close(r[0][0], 7.5 / Math.sqrt(12.5 * 0.5 * (35 / 60)));
    close(r[0][0], 3.927922024247863);
    close(r[0][1], -3.927922024247863);
    close(r[1][0], -3.927922024247863);
    close(r[1][1], 3.927922024247863);
  });

  it('tests a 3 × 4 table like scipy', () => {
    const table = [[12, 5, 9, 4], [3, 14, 6, 10], [8, 7, 2, 15]];
    const result = chiSquareIndependence(table);
    assert.ok(result);
    close(result.chi2, 21.145301908768978);
    assert.equal(result.dof, 6);
    close(result.pValue, 0.001727517622448953);
    assert.equal(result.n, 95);
    // V = √(χ² / (95 · (3 − 1))).
    close(result.cramersV, Math.sqrt(21.145301908768978 / 190));
    close(result.cramersV, 0.33360315148051506);
    close(result.expected[1][3], 10.073684210526316);
    // numpy: (O − E) / sqrt(E (1 − R/n)(1 − C/n))
    close(result.residuals[0][0], 2.4407699317083886);
    close(result.residuals[1][0], -2.509904304618668);
    close(result.residuals[2][3], 2.4660504710353597);
    // Expected counts below 5: none (smallest 5.368).
    assert.equal(result.lowExpectedCells, 0);
    close(result.minExpected, 5.368421052631579);
  });

  it('drops all-zero rows and columns and needs 2 × 2', () => {
    const result = chiSquareIndependence([[10, 0, 5], [0, 0, 0], [4, 0, 9]]);
    assert.ok(result);
    assert.deepEqual(result.rows, [0, 2]);
    assert.deepEqual(result.columns, [0, 2]);
    assert.deepEqual(result.observed, [[10, 5], [4, 9]]);
    close(result.chi2, 3.58974358974359); // scipy on [[10, 5], [4, 9]]
    close(result.pValue, 0.05813721278698187);
    // E = [[7.5, 7.5], [6.5, 6.5]]: no cell below 5.
    assert.equal(result.lowExpectedShare, 0);
    assert.equal(chiSquareIndependence([[3, 4], [0, 0]]), undefined);
    assert.equal(chiSquareIndependence([[3], [4]]), undefined);
    assert.equal(chiSquareIndependence([]), undefined);
  });

  it('counts cells with expected counts below 5 (Cochran)', () => {
    // n = 20, rows 10/10, columns 16/4 → E = [[8, 2], [8, 2]]: 2 of 4 cells below 5.
    const result = chiSquareIndependence([[9, 1], [7, 3]]);
    assert.ok(result);
    assert.equal(result.lowExpectedCells, 2);
    assert.equal(result.lowExpectedShare, 0.5);
    assert.equal(result.minExpected, 2);
  });

  it('computes margins, expected counts and V edge cases', () => {
    const margins = tableMargins([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(margins, { rowTotals: [6, 15], columnTotals: [5, 7, 9], n: 21 });
    assert.deepEqual(expectedCounts({ rowTotals: [2, 2], columnTotals: [1, 3], n: 4 }), [[0.5, 1.5], [0.5, 1.5]]);
    assert.ok(Number.isNaN(cramersV(3, 10, 1, 4)));
    assert.ok(Number.isNaN(cramersV(3, 0, 2, 2)));
  });
});

