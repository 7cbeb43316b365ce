import * as assert from 'node:assert/strict';
import { averagePrecisionScore, rankingAveragePrecision } from '../../../src/engine/labels';

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('labels/averagePrecision', () => {
  it('ranking [T, F, T]: (1 + 2/3) / 2 = 0.8333…', () => {
    close(rankingAveragePrecision([10, 11, 12], [10, 12]), (1 + 2 / 3) / 2);
    close(averagePrecisionScore([true, false, true], [3, 2, 1]), 5 / 6);
  });

  it('ranking [F, F, T, F, T, T]: (1/3 + 2/5 + 3/6) / 3 = 0.41111… (sklearn 0.41111111111111115)', () => {
    const truth = new Set([2, 4, 5]);
    close(rankingAveragePrecision([0, 1, 2, 3, 4, 5], truth), (1 / 3 + 2 / 5 + 3 / 6) / 3);
    close(averagePrecisionScore([false, false, true, false, true, true], [6, 5, 4, 3, 2, 1]), 0.41111111111111115);
  });

  it('a perfect ranking is 1 and the truth last is the mean of k/(N−m+k)', () => {
    close(rankingAveragePrecision([3, 1, 0, 2], [3, 1]), 1);
    // truth at ranks 3 and 4 of 4: (1/3 + 2/4) / 2 = 5/12.
    close(rankingAveragePrecision([0, 2, 3, 1], [3, 1]), 5 / 12);
  });

  it('enters tied scores together, as sklearn does', () => {
    // y = [0, 1, 1, 0], scores [0.9, 0.5, 0.5, 0.1]: thresholds 0.9 (P 0, R 0), 0.5 (P 2/3, R 1) → AP 2/3 (sklearn 0.6666…),
    // whereas breaking the tie by index would give (1/2 + 2/3) / 2.
    close(averagePrecisionScore([false, true, true, false], [0.9, 0.5, 0.5, 0.1]), 2 / 3);
    close(averagePrecisionScore([true, false, true, false], [0.9, 0.5, 0.5, 0.1]), 5 / 6);
  });

  it('counts true items missing from a truncated ranking as never retrieved', () => {
    // Only 2 of 4 true ids are ranked, both at the top: (1 + 1) / 4.
    close(rankingAveragePrecision([7, 8], [7, 8, 9, 10]), 0.5);
  });

  it('is NaN without positives and rejects malformed input', () => {
    assert.ok(Number.isNaN(rankingAveragePrecision([1, 2], [])));
    assert.ok(Number.isNaN(averagePrecisionScore([false, false], [1, 2])));
    assert.throws(() => rankingAveragePrecision([1, 1], [1]), /twice/);
    assert.throws(() => averagePrecisionScore([true], [1, 2]), /one score per item/);
    assert.throws(() => averagePrecisionScore([true, false], [1, Number.NaN]), /NaN/);
  });
});
