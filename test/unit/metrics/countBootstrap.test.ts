// The count-based bootstrap must give the intervals of the generic bootstrap: same resamples, same aggregates.
import * as assert from 'node:assert/strict';
import {
  accuracy,
  balancedAccuracy,
  bootstrapCountFrames,
  bootstrapMetricFrames,
  confusionCounts,
  COUNT_METRICS,
  expectedCalibrationError,
  mulberry32,
  type BootstrapFrame,
} from '../../../src/engine/metrics';
import { eceMetric, perSampleMetrics } from './perSampleMetrics';

function sample(n: number, k: number, seed: number): { yTrue: number[]; yPred: number[]; probs: Float32Array[]; groups: string[] } {
  const random = mulberry32(seed);
  const yTrue = Array.from({ length: n }, () => Math.floor(random() * k));
  const probs = yTrue.map((y) => {
    const row = Float32Array.from({ length: k }, () => random());
    row[y] += random() * 2;
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / total);
  });
  const yPred = probs.map((row) => row.indexOf(Math.max(...row)));
  const groups = yTrue.map(() => ['a', 'b', 'c'][Math.floor(random() * 3)]);
  return { yTrue, yPred, probs, groups };
}

function assertSameFrame(a: BootstrapFrame, b: BootstrapFrame, tolerance: number): void {
  const close = (x: number | null, y: number | null, what: string): void => {
    if (x === null || y === null) return assert.equal(x, y, what);
    assert.ok(Math.abs(x - y) <= tolerance, `${what}: ${x} vs ${y}`);
  };
  for (const key of ['overall', 'groupMin', 'groupMax', 'differenceBetweenGroups', 'ratioBetweenGroups', 'differenceToOverall', 'ratioToOverall', 'gap', 'gapRatio'] as const) {
    close(a[key].estimate, b[key].estimate, `${key} estimate`);
    close(a[key].lower, b[key].lower, `${key} lower`);
    close(a[key].upper, b[key].upper, `${key} upper`);
    assert.equal(a[key].undefinedReplicates, b[key].undefinedReplicates, `${key} undefined replicates`);
  }
  a.byGroup.forEach((group, j) => {
    close(group.estimate, b.byGroup[j].estimate, `${group.group} estimate`);
    close(group.lower, b.byGroup[j].lower, `${group.group} lower`);
    close(group.upper, b.byGroup[j].upper, `${group.group} upper`);
  });
}

describe('count-based bootstrap', () => {
  it('reproduces the generic bootstrap for accuracy, balanced accuracy, selection rate, TPR, FPR and ECE', () => {
    const { yTrue, yPred, probs, groups } = sample(600, 4, 9);
    const options = { replicates: 300, seed: 42, probs, minGroupSize: 10, resampling: 'images' as const };
    const generic = bootstrapMetricFrames(
      { accuracy, balancedAccuracy, ece: eceMetric, sel: perSampleMetrics(2).selectionRate, tpr: perSampleMetrics(2).truePositiveRate, fpr: perSampleMetrics(2).falsePositiveRate },
      yTrue, yPred, groups, options,
    );
    const counted = bootstrapCountFrames(
      { accuracy: COUNT_METRICS.accuracy, balancedAccuracy: COUNT_METRICS.balancedAccuracy, ece: COUNT_METRICS.ece, sel: COUNT_METRICS.selectionRate(2), tpr: COUNT_METRICS.truePositiveRate(2), fpr: COUNT_METRICS.falsePositiveRate(2) },
      yTrue, yPred, 4, groups, options,
    );
    for (const name of Object.keys(generic)) assertSameFrame(counted[name], generic[name], name === 'ece' ? 1e-9 : 1e-12);
  });

  it('computes ECE from bin sums as the per-sample formula does, and undefined rates as NaN', () => {
    const { yTrue, yPred, probs } = sample(200, 3, 4);
    const counts = confusionCounts(yTrue, yPred, probs, 3);
    assert.ok(Math.abs(COUNT_METRICS.ece(counts) - expectedCalibrationError(yTrue, probs).ece) < 1e-12);
    assert.equal(counts.n, 200);
    const none = confusionCounts([0, 0], [0, 1], undefined, 3);
    assert.ok(Number.isNaN(COUNT_METRICS.truePositiveRate(2)(none)), 'no positives of class 2');
    assert.equal(COUNT_METRICS.falsePositiveRate(1)(none), 0.5);
    assert.equal(COUNT_METRICS.balancedAccuracy(none), 0.5);
  });
});
