import * as assert from 'node:assert/strict';
import { normalisedEntropy, shannonEntropy } from '../../../src/engine/stats/entropy';

describe('stats/entropy', () => {
  it('gives 1.5 bits for (1/2, 1/4, 1/4)', () => {
    assert.ok(Math.abs(shannonEntropy([2, 1, 1], 2) - 1.5) < 1e-15);
    // In nats: 1.5 · ln 2.
    assert.ok(Math.abs(shannonEntropy([50, 25, 25]) - 1.5 * Math.LN2) < 1e-15);
  });

  it('normalises by ln K', () => {
    // 1.5 bits / log2(3) bits = 0.9463946303571861
    assert.ok(Math.abs(normalisedEntropy([2, 1, 1]) - 1.5 / Math.log2(3)) < 1e-15);
    assert.ok(Math.abs(normalisedEntropy([2, 1, 1]) - 0.9463946303571861) < 1e-15);
    assert.ok(Math.abs(normalisedEntropy([7, 7, 7, 7]) - 1) < 1e-15);
    assert.equal(normalisedEntropy([5, 0]), 0);
    assert.equal(normalisedEntropy([5]), 1);
    assert.equal(shannonEntropy([]), 0);
  });
});
