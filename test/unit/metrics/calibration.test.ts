import * as assert from 'node:assert/strict';
import { expectedCalibrationError, LOG_LOSS_EPS, logLoss, topClass } from '../../../src/engine/metrics';

describe('metrics/calibration', () => {
  // Five samples, M = 5 bins of width 0.2. Top-1 confidence and correctness:
  //   0.9 ✓, 0.85 ✗ → bin (0.8, 1]: n 2, conf 0.875, acc 0.5, gap 0.375
  //   0.7 ✓        → bin (0.6, 0.8]: n 1, conf 0.7, acc 1, gap 0.3
  //   0.6 ✗, 0.5 ✓ (tie → class 0) → bin (0.4, 0.6]: n 2, conf 0.55, acc 0.5, gap 0.05
  // ECE = 2/5·0.375 + 1/5·0.3 + 2/5·0.05 = 0.15 + 0.06 + 0.02 = 0.23; MCE = 0.375.
  const yTrue = [0, 1, 1, 0, 0];
  const probs = [
    [0.9, 0.1],
    [0.85, 0.15],
    [0.3, 0.7],
    [0.4, 0.6],
    [0.5, 0.5],
  ];

  it('computes the ECE and the reliability bins by hand', () => {
    const result = expectedCalibrationError(yTrue, probs, 5);
    assert.ok(Math.abs(result.ece - 0.23) < 1e-12, String(result.ece));
    assert.ok(Math.abs(result.maxCalibrationError - 0.375) < 1e-12);
    assert.equal(result.n, 5);
    assert.deepEqual(result.bins.map((bin) => bin.count), [0, 0, 2, 1, 2]);
    assert.deepEqual(result.bins.map((bin) => [bin.lower, bin.upper]), [[0, 0.2], [0.2, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, 1]]);
    assert.ok(Math.abs(result.bins[4].meanConfidence - 0.875) < 1e-12);
    assert.equal(result.bins[4].accuracy, 0.5);
    assert.ok(Math.abs(result.bins[2].meanConfidence - 0.55) < 1e-12);
    assert.equal(result.bins[3].accuracy, 1);
    assert.ok(Number.isNaN(result.bins[0].meanConfidence) && Number.isNaN(result.bins[0].accuracy));
  });

  it('uses 15 equal-width bins by default, upper edges inclusive', () => {
    // Confidence 0.2 = 3/15 lies on an edge: it belongs to (2/15, 3/15], bin 2 (0.2·15 rounds above 3 in floating point).
    // Confidence 1 belongs to the last bin, (14/15, 1].
    const result = expectedCalibrationError([1, 0], [[0.2, 0.2, 0.2, 0.2, 0.2], [1, 0, 0, 0, 0]]);
    assert.equal(result.bins.length, 15);
    assert.deepEqual(result.bins.map((bin) => bin.count), [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Sample 1: predicted class 0 (first of the tie) at 0.2, true 1 → gap 0.2; sample 2: confidence 1, correct → gap 0.
    assert.ok(Math.abs(result.ece - 0.1) < 1e-12, String(result.ece));
  });

  it('is 0 for a perfectly calibrated set and undefined for none', () => {
    // Two samples at confidence 0.5, one right one wrong: acc 0.5 = conf 0.5.
    assert.equal(expectedCalibrationError([0, 1], [[0.5, 0.5], [0.5, 0.5]]).ece, 0);
    assert.ok(Number.isNaN(expectedCalibrationError([], []).ece));
  });

  it('takes the first class on ties, as numpy.argmax', () => {
    assert.deepEqual(topClass(Float32Array.from([0.25, 0.5, 0.5])), { label: 1, confidence: 0.5 });
  });

  it('computes the log loss by hand, clipping and renormalising like sklearn', () => {
    // −(ln 0.8 + ln 0.6)/2 = 0.36698458...
    assert.ok(Math.abs(logLoss([0, 1], [[0.8, 0.2], [0.4, 0.6]]) - -(Math.log(0.8) + Math.log(0.6)) / 2) < 1e-15);
    // A zero probability of the true class is clipped to eps: −ln(eps) ≈ 36.04.
    assert.ok(Math.abs(logLoss([1], [[1, 0]]) - -Math.log(LOG_LOSS_EPS)) < 1e-9);
    // Rows that do not sum to 1 are renormalised: [2, 2] → [0.5, 0.5].
    assert.ok(Math.abs(logLoss([0], [[2, 2]]) - Math.LN2) < 1e-15);
    assert.throws(() => logLoss([2], [[0.5, 0.5]]), /only 2 probabilities/);
  });
});
