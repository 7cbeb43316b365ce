// The count-based bootstrap must give the intervals of the generic bootstrap: image by image it replays the same
// resamples; drawn as counts it gives the same distribution of every replicate figure (checked below).
import * as assert from 'node:assert/strict';
import {
  accuracy,
  balancedAccuracy,
  bootstrapCountDraws,
  bootstrapCountFrames,
  quantile,
  bootstrapMetricFrames,
  confusionCounts,
  COUNT_METRICS,
  expectedCalibrationError,
  mulberry32,
  type BootstrapFrame,
  type CountBootstrapDraws,
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

/**
 * Data for the distribution check: three groups of different sizes and accuracies over 3 classes. Groups 'a' and 'b'
 * have continuous confidences (the confidence sums are drawn image by image); group 'c' has confidences 0.7, 0.87 and
 * 0.93 only, 1 : 3 : 1 (sums from one value, or a multinomial over the two values of the (0.867, 0.933] bin).
 */
function mixedSample(): { yTrue: number[]; yPred: number[]; probs: Float32Array[]; groups: string[] } {
  const random = mulberry32(2026);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const probs: Float32Array[] = [];
  const groups: string[] = [];
  for (const [group, size, right] of [['a', 90, 0.85], ['b', 50, 0.7], ['c', 220, 0.8]] as const) {
    for (let i = 0; i < size; i++) {
      const truth = Math.floor(random() * 3);
      const predicted = random() < right ? truth : (truth + 1 + Math.floor(random() * 2)) % 3;
      const confidence = group === 'c' ? [0.7, 0.87, 0.87, 0.87, 0.93][Math.floor(random() * 5)] : 0.4 + random() * 0.6;
      const row = new Float32Array(3).fill((1 - confidence) / 2);
      row[predicted] = confidence;
      yTrue.push(truth);
      yPred.push(predicted);
      probs.push(row);
      groups.push(group);
    }
  }
  return { yTrue, yPred, probs, groups };
}

/**
 * Two independent bootstraps of the same scheme put a share F̂ of their replicates at or below a fixed threshold q, each a
 * binomial proportion of the same F(q) over B replicates, so F̂₁ − F̂₂ has standard deviation √(2F(1 − F)/B) (F from the
 * pooled share). |F̂₁ − F̂₂| ≤ Z·that, Z = 5: a two-sided 5.7e-7 per check; the ~700 checks below fail by chance with
 * probability below 4e-4. The thresholds come from a third, independent run, so they are fixed with respect to both.
 */
function assertSameDistribution(a: Float64Array, b: Float64Array, thresholds: readonly number[], what: string): void {
  const Z = 5;
  const shares = (draws: Float64Array, q: number): { below: number; atOrBelow: number; undefined: number } => {
    let below = 0;
    let atOrBelow = 0;
    let undefinedDraws = 0;
    for (const v of draws) {
      if (Number.isNaN(v)) undefinedDraws++;
      else if (v < q) {
        below++;
        atOrBelow++;
      }
      else if (v === q) atOrBelow++;
    }
    return { below: below / draws.length, atOrBelow: atOrBelow / draws.length, undefined: undefinedDraws / draws.length };
  };
  const check = (x: number, y: number, label: string): void => {
    const pooled = (x + y) / 2;
    const tolerance = Z * Math.sqrt((2 * pooled * (1 - pooled)) / a.length);
    assert.ok(Math.abs(x - y) <= tolerance, `${what}, ${label}: ${x} vs ${y} (tolerance ${tolerance.toFixed(5)})`);
  };
  for (const q of thresholds) {
    if (!Number.isFinite(q)) continue;
    const [x, y] = [shares(a, q), shares(b, q)];
    check(x.below, y.below, `share below ${q}`);
    check(x.atOrBelow, y.atOrBelow, `share at or below ${q}`);
  }
  check(shares(a, 0).undefined, shares(b, 0).undefined, 'share undefined');
}

/** Every replicate series of one metric: overall, each group, and the aggregates the report shows. */
function seriesOf(draws: CountBootstrapDraws, m: number): Record<string, Float64Array> {
  const aggregates = draws.aggregateDraws[m];
  return {
    overall: draws.overallDraws[m],
    ...Object.fromEntries(draws.frames[m].byGroup.map((group, j) => [`group ${group.key}`, draws.groupDraws[m][j]])),
    differenceBetweenGroups: aggregates.differenceBetweenGroups,
    ratioBetweenGroups: aggregates.ratioBetweenGroups,
    differenceToOverall: aggregates.differenceToOverall,
    gap: aggregates.gap,
    gapRatio: aggregates.gapRatio,
  };
}

describe('count-based bootstrap', () => {
  it('draws the counts of each replicate with the distribution of the image-by-image resample (every figure of every metric)', function () {
    this.timeout(300_000);
    const { yTrue, yPred, probs, groups } = mixedSample();
    const metrics = {
      accuracy: COUNT_METRICS.accuracy,
      errorRate: COUNT_METRICS.errorRate,
      balancedAccuracy: COUNT_METRICS.balancedAccuracy,
      ece: COUNT_METRICS.ece,
      sel: COUNT_METRICS.selectionRate(1),
      tpr: COUNT_METRICS.truePositiveRate(1, 15),
      fpr: COUNT_METRICS.falsePositiveRate(1),
    };
    const replicates = 40_000;
    const options = { probs, minGroupSize: 10, replicates };
    const byCounts = bootstrapCountDraws(metrics, yTrue, yPred, 3, groups, { ...options, resampling: 'counts', seed: 1 });
    const byImages = bootstrapCountDraws(metrics, yTrue, yPred, 3, groups, { ...options, resampling: 'images', seed: 2 });
    const pilot = bootstrapCountDraws(metrics, yTrue, yPred, 3, groups, { ...options, resampling: 'images', seed: 3, replicates: 4000 });
    let checked = 0;
    byCounts.names.forEach((name, m) => {
      const counted = seriesOf(byCounts, m);
      const imaged = seriesOf(byImages, m);
      const piloted = seriesOf(pilot, m);
      for (const figure of Object.keys(counted)) {
        const defined = Float64Array.from(piloted[figure].filter((v) => !Number.isNaN(v))).sort();
        const thresholds = [0.025, 0.16, 0.5, 0.84, 0.975].map((p) => quantile(defined, p));
        assertSameDistribution(counted[figure], imaged[figure], thresholds, `${name} ${figure}`);
        checked++;
      }
    });
    assert.equal(checked, 7 * 9);
    // Group 'b' has about 17 positives of class 1, near the 15 TPR needs: some replicates leave it undefined, in both.
    const undefinedTpr = byImages.groupDraws[5][1].filter((v) => Number.isNaN(v)).length;
    assert.ok(undefinedTpr > 0.05 * replicates, `undefined TPR replicates in group b: ${undefinedTpr}`);
  });

  it('draws counts that do not depend on the order of the images within a group, and are deterministic for a seed', () => {
    const { yTrue, yPred, probs, groups } = mixedSample();
    const order = Array.from(yTrue.keys()).sort((i, j) => ((i * 7919) % 360) - ((j * 7919) % 360));
    const options = { probs, minGroupSize: 10, replicates: 300, resampling: 'counts' as const };
    const metrics = { accuracy: COUNT_METRICS.accuracy, ece: COUNT_METRICS.ece, tpr: COUNT_METRICS.truePositiveRate(2) };
    const first = bootstrapCountFrames(metrics, yTrue, yPred, 3, groups, options);
    const shuffled = bootstrapCountFrames(metrics, order.map((i) => yTrue[i]), order.map((i) => yPred[i]), 3, order.map((i) => groups[i]), { ...options, probs: order.map((i) => probs[i]) });
    assert.notDeepEqual(order.slice(0, 5), [0, 1, 2, 3, 4]);
    const strip = (frames: Record<string, BootstrapFrame>): unknown => Object.fromEntries(Object.entries(frames).map(([name, f]) => [name, { ...f, frame: undefined }]));
    assert.deepEqual(strip(shuffled), strip(first));
    assert.deepEqual(bootstrapCountFrames(metrics, yTrue, yPred, 3, groups, options), first);
    assert.notDeepEqual(strip(bootstrapCountFrames(metrics, yTrue, yPred, 3, groups, { ...options, seed: 9 })), strip(first));
  });

  it('leaves the calibration sums undefined when no metric reads them, so that one reading them unannounced gets NaN', () => {
    const { yTrue, yPred, probs, groups } = mixedSample();
    const unannounced = (c: Parameters<typeof COUNT_METRICS.accuracy>[0]): number => c.binConfidence[0];
    const frames = bootstrapCountFrames({ unannounced, accuracy: COUNT_METRICS.accuracy }, yTrue, yPred, 3, groups, { probs, replicates: 20 });
    assert.equal(frames.unannounced.overall.undefinedReplicates, 20);
    assert.ok(frames.accuracy.overall.lower !== null);
  });

  it('reproduces the generic bootstrap for accuracy, balanced accuracy, selection rate, TPR, FPR and ECE when drawing image by image', () => {
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
