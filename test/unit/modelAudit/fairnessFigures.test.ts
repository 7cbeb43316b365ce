// The fairness figures the audit reports (groupReport → fairnessFigures), on samples whose figures are computed by hand.
import * as assert from 'node:assert/strict';
import { THRESHOLD_DEFAULTS } from '../../../src/engine/config/configTypes';
import { groupReport } from '../../../src/engine/modelAudit/groupMetrics';
import type { FairnessFigure, GroupReport } from '../../../src/engine/modelAudit/modelAuditTypes';

interface Sample {
  yTrue: number[];
  yPred: number[];
  groups: string[];
  probs?: number[][];
}

/** n samples of a group: truth `truth` for all, the first `positives` predicted 1, the rest 0. */
function predictions(key: string, n: number, positives: number, truth = 1): Sample {
  return {
    yTrue: new Array<number>(n).fill(truth),
    yPred: Array.from({ length: n }, (_, i) => (i < positives ? 1 : 0)),
    groups: new Array<string>(n).fill(key),
  };
}

function join(...parts: Sample[]): Sample {
  return { yTrue: parts.flatMap((p) => p.yTrue), yPred: parts.flatMap((p) => p.yPred), groups: parts.flatMap((p) => p.groups) };
}

const thresholds = { ...THRESHOLD_DEFAULTS, minMetricGroupSize: 1, minConditionCount: 1 };

function report(sample: Sample, classNames = ['0', '1']): GroupReport {
  const probs = sample.probs ?? sample.yPred.map((p) => classNames.map((_, c) => (c === p ? 1 : 0)));
  return groupReport({ yTrue: sample.yTrue, yPred: sample.yPred, probs, classNames }, { attributes: ['g'], values: { g: sample.groups } }, thresholds, { replicates: 50, seed: 1 });
}

function figure(r: GroupReport, name: string, className?: string): FairnessFigure {
  const found = r.fairness.find((f) => f.name === name && f.class === className);
  assert.ok(found, `${name}${className ? ` of class ${className}` : ''}`);
  return found;
}

describe('modelAudit/fairness figures', () => {
  it('applies the 80% rule to the selection-rate ratio (passes at exactly 0.8)', () => {
    assert.equal(THRESHOLD_DEFAULTS.minDisparateImpactRatio, 0.8);
    // Selection rates 40/100 and 50/100: ratio 0.8 → passes.
    const pass = figure(report(join(predictions('a', 100, 40), predictions('b', 100, 50))), 'disparate impact ratio', '1');
    assert.equal(pass.value, 0.8);
    assert.equal(pass.passed, true);
    // 39/100 vs 50/100: 0.78 → fails; demographic parity difference 0.5 − 0.39.
    const r = report(join(predictions('a', 100, 39), predictions('b', 100, 50)));
    const fail = figure(r, 'disparate impact ratio', '1');
    assert.ok(Math.abs(fail.value! - 0.78) < 1e-15);
    assert.equal(fail.passed, false);
    assert.ok(Math.abs(figure(r, 'demographic parity difference', '1').value! - 0.11) < 1e-15);
  });

  it('reproduces the Gender Shades error-rate ratio: 34.7% vs 0.8% → 43.4×', () => {
    // Truth 1 throughout, so predicted-0 samples are the errors: 347 of 1000 vs 8 of 1000.
    const ratio = figure(report(join(predictions('darker female', 1000, 653), predictions('lighter male', 1000, 992))), 'error-rate ratio');
    assert.ok(Math.abs(ratio.value! - 0.347 / 0.008) < 1e-9, String(ratio.value));
    assert.deepEqual(ratio.groups, { higher: 'darker female', lower: 'lighter male' });
    assert.equal(ratio.passed, false);
  });

  it('reports an unbounded error-rate ratio as undefined, and failed when the other group errs', () => {
    const ratio = figure(report(join(predictions('a', 40, 30), predictions('b', 40, 40))), 'error-rate ratio');
    assert.equal(ratio.value, null);
    assert.equal(ratio.passed, false);
  });

  it('gives worst-group accuracy and the accuracy difference', () => {
    const r = report(join(predictions('a', 40, 30), predictions('b', 40, 36)));
    assert.deepEqual([r.worstGroup?.group, r.worstGroup?.accuracy.estimate], ['a', 0.75]);
    const difference = figure(r, 'accuracy difference');
    assert.ok(Math.abs(difference.value! - 0.15) < 1e-15);
    assert.ok(Math.abs(difference.ratio! - 0.75 / 0.9) < 1e-15);
  });

  it('scores each class one-vs-rest for a multiclass model', () => {
    // Predictions of 3 classes in groups g (first 4) and h (last 4).
    const sample = { yPred: [0, 0, 1, 2, 0, 1, 1, 1], yTrue: [0, 1, 1, 2, 0, 1, 2, 1], groups: ['g', 'g', 'g', 'g', 'h', 'h', 'h', 'h'] };
    const r = report(sample, ['0', '1', '2']);
    // Selection rates: class 0 g 2/4 h 1/4; class 1 g 1/4 h 3/4; class 2 g 1/4 h 0.
    assert.deepEqual(['0', '1', '2'].map((c) => figure(r, 'disparate impact ratio', c).value), [0.5, 1 / 3, 0]);
    // Recall of class 1: g 1/2 (sample 1 missed), h 2/2 → equal opportunity difference 0.5.
    assert.equal(figure(r, 'equal opportunity difference', '1').value, 0.5);
    // FPR of class 1: g 0/2, h 1/2 (sample 6, truth 2) → ΔFPR 0.5; equalized odds = max(0.5, 0.5).
    assert.equal(figure(r, 'equalized odds difference', '1').value, 0.5);
  });

  it('computes the ECE by group and the calibration difference', () => {
    // Group a: confidences 0.9 (right) and 0.9 (wrong) → one bin, acc 0.5, conf 0.9 → ECE 0.4.
    // Group b: 0.6 right, 0.6 wrong → ECE 0.1.
    const r = report({ yTrue: [0, 1, 0, 1], yPred: [0, 0, 0, 0], groups: ['a', 'a', 'b', 'b'], probs: [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]] });
    const ece = r.metrics.find((m) => m.metric === 'ece');
    assert.ok(ece);
    assert.ok(Math.abs(ece.byGroup[0].estimate! - 0.4) < 1e-12);
    assert.ok(Math.abs(ece.byGroup[1].estimate! - 0.1) < 1e-12);
    assert.ok(Math.abs(figure(r, 'calibration difference').value! - 0.3) < 1e-12);
  });
});
