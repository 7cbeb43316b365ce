import * as assert from 'node:assert/strict';
import {
  accuracyParity,
  calibrationByGroup,
  disparateImpact,
  errorRateRatio,
  FOUR_FIFTHS_THRESHOLD,
  oneVsRest,
  demographicParityDifference,
  selectionRate,
} from '../../../src/engine/metrics';

/** n samples of a group: truth 1 for all, the first `positives` predicted 1, the rest 0. */
function predictions(key: string, n: number, positives: number): { yTrue: number[]; yPred: number[]; groups: string[] } {
  return {
    yTrue: new Array<number>(n).fill(1),
    yPred: Array.from({ length: n }, (_, i) => (i < positives ? 1 : 0)),
    groups: new Array<string>(n).fill(key),
  };
}

function join(a: ReturnType<typeof predictions>, b: ReturnType<typeof predictions>): ReturnType<typeof predictions> {
  return { yTrue: [...a.yTrue, ...b.yTrue], yPred: [...a.yPred, ...b.yPred], groups: [...a.groups, ...b.groups] };
}

describe('metrics/fairnessMetrics', () => {
  it('applies the 80% rule to the selection-rate ratio (passes at exactly 0.8)', () => {
    assert.equal(FOUR_FIFTHS_THRESHOLD, 0.8);
    // Selection rates 40/100 and 50/100: ratio 0.8 → passes.
    const pass = join(predictions('a', 100, 40), predictions('b', 100, 50));
    const result = disparateImpact(pass.yTrue, pass.yPred, pass.groups);
    assert.equal(result.ratio.value, 0.8);
    assert.equal(result.passesFourFifths, true);
    // 39/100 vs 50/100: 0.78 → fails.
    const fail = join(predictions('a', 100, 39), predictions('b', 100, 50));
    const failed = disparateImpact(fail.yTrue, fail.yPred, fail.groups);
    assert.ok(Math.abs(failed.ratio.value! - 0.78) < 1e-15);
    assert.equal(failed.passesFourFifths, false);
    assert.equal(demographicParityDifference(fail.yTrue, fail.yPred, fail.groups).value.value, 0.5 - 0.39);
  });

  it('reproduces the Gender Shades error-rate ratio: 34.7% vs 0.8% → 43.4×', () => {
    // Truth 1 throughout, so predicted-0 samples are the errors: 347 of 1000 vs 8 of 1000.
    const data = join(predictions('darker female', 1000, 653), predictions('lighter male', 1000, 992));
    const result = errorRateRatio(data.yTrue, data.yPred, data.groups);
    assert.ok(Math.abs(result.ratio.value! - 0.347 / 0.008) < 1e-9, String(result.ratio.value));
    assert.equal(result.worstGroup, 'darker female');
    assert.equal(result.bestGroup, 'lighter male');
    assert.ok(Math.abs(result.worst.value! - 0.347) < 1e-12 && Math.abs(result.best.value! - 0.008) < 1e-12);
  });

  it('reports an unbounded error-rate ratio as undefined, with the reason', () => {
    const data = join(predictions('a', 40, 30), predictions('b', 40, 40));
    const result = errorRateRatio(data.yTrue, data.yPred, data.groups);
    assert.equal(result.ratio.value, null);
    assert.equal(result.ratio.undefined, true);
    assert.match(result.ratio.reason!, /'b'.*makes no error/);
  });

  it('gives worst-group accuracy and accuracy parity', () => {
    const data = join(predictions('a', 40, 30), predictions('b', 40, 36));
    const result = accuracyParity(data.yTrue, data.yPred, data.groups);
    assert.deepEqual([result.worstGroupAccuracy.value, result.worstGroup], [0.75, 'a']);
    assert.ok(Math.abs(result.difference.value! - 0.15) < 1e-15);
    assert.ok(Math.abs(result.ratio.value! - 0.75 / 0.9) < 1e-15);
  });

  it('scores each class one-vs-rest for a multiclass model', () => {
    // Predictions of 3 classes in groups g (first 4) and h (last 4).
    const yPred = [0, 0, 1, 2, 0, 1, 1, 1];
    const yTrue = [0, 1, 1, 2, 0, 1, 2, 1];
    const groups = ['g', 'g', 'g', 'g', 'h', 'h', 'h', 'h'];
    const perClass = oneVsRest([0, 1, 2], (c) => disparateImpact(yTrue, yPred, groups, { positive: c, minGroupSize: 1 }));
    // Selection rates: class 0 g 2/4 h 1/4; class 1 g 1/4 h 3/4; class 2 g 1/4 h 0.
    assert.deepEqual(perClass.map(({ positive, result }) => [positive, result.ratio.value]), [[0, 0.5], [1, 1 / 3], [2, 0]]);
    assert.equal(selectionRate(yTrue, yPred, 1), 4 / 8);
  });

  it('computes the ECE by group', () => {
    // Group a: confidences 0.9 (right) and 0.9 (wrong) → one bin, acc 0.5, conf 0.9 → ECE 0.4.
    // Group b: 0.6 right, 0.6 wrong → ECE 0.1.
    const frame = calibrationByGroup([0, 1, 0, 1], [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]], ['a', 'a', 'b', 'b'], { minGroupSize: 1 });
    assert.ok(Math.abs(frame.byGroup[0].value! - 0.4) < 1e-12);
    assert.ok(Math.abs(frame.byGroup[1].value! - 0.1) < 1e-12);
    assert.ok(Math.abs(frame.differenceBetweenGroups.value! - 0.3) < 1e-12);
    assert.equal(frame.metric, 'expected calibration error');
  });
});
