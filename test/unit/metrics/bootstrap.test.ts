import * as assert from 'node:assert/strict';
import type { MetricFunction } from '../../../src/engine/metrics';
import {
  bootstrapMetricFrame,
  bootstrapMetricFrames,
  ciExcludesNoGap,
  mulberry32,
  percentileInterval,
  quantile,
} from '../../../src/engine/metrics';
import { perSampleMetrics } from './perSampleMetrics';

const { selectionRate, truePositiveRate, accuracy } = perSampleMetrics();

/** A group of n samples, truth 1, with the first `selected` predicted 1. */
function group(key: string, n: number, selected: number): { yTrue: number[]; yPred: number[]; groups: string[] } {
  return {
    yTrue: new Array<number>(n).fill(1),
    yPred: Array.from({ length: n }, (_, i) => (i < selected ? 1 : 0)),
    groups: new Array<string>(n).fill(key),
  };
}

function join(...parts: Array<ReturnType<typeof group>>): ReturnType<typeof group> {
  return { yTrue: parts.flatMap((p) => p.yTrue), yPred: parts.flatMap((p) => p.yPred), groups: parts.flatMap((p) => p.groups) };
}

describe('metrics/bootstrap', () => {
  it('takes quantiles with linear interpolation, as numpy.percentile', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([5], 0.975), 5);
    // 95% interval of 0..100 is [2.5, 97.5]; NaN replicates are counted and left out.
    const interval = percentileInterval(50, [...Array.from({ length: 101 }, (_, i) => i), Number.NaN], 0.95);
    assert.deepEqual(interval, { estimate: 50, lower: 2.5, upper: 97.5, level: 0.95, replicates: 102, undefinedReplicates: 1 });
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const data = join(group('a', 60, 30), group('b', 60, 20));
    const run = (seed: number): unknown => bootstrapMetricFrame(selectionRate, data.yTrue, data.yPred, data.groups, { seed, replicates: 200 });
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
    // The generator itself: mulberry32(1) starts 0.6270739405881613 (its reference value).
    assert.equal(mulberry32(1)(), 0.6270739405881613);
  });

  it('resamples within each group at its own size, so every replicate has every group', () => {
    const data = join(group('a', 40, 10), group('b', 35, 5), group('c', 3, 1));
    const count: MetricFunction = (yTrue) => yTrue.length;
    const result = bootstrapMetricFrame(count, data.yTrue, data.yPred, data.groups, { replicates: 100, name: 'count' });
    assert.deepEqual(result.byGroup.map((g) => [g.group, g.lower, g.upper, g.undefinedReplicates]), [
      ['a', 40, 40, 0],
      ['b', 35, 35, 0],
      ['c', 3, 3, 0],
    ]);
    assert.deepEqual([result.overall.lower, result.overall.upper], [78, 78]);
    assert.equal(result.byGroup[2].small, true);
  });

  it('gives intervals that contain the estimate, and shows a real gap', () => {
    // Selection rates 0.8 vs 0.3 in groups of 200: the gap 0.5 is far beyond sampling noise.
    const data = join(group('high', 200, 160), group('low', 200, 60));
    const result = bootstrapMetricFrame(selectionRate, data.yTrue, data.yPred, data.groups, { seed: 3 });
    for (const g of result.byGroup) assert.ok(g.lower! <= g.estimate! && g.estimate! <= g.upper!, JSON.stringify(g));
    assert.ok(result.overall.lower! <= 0.55 && 0.55 <= result.overall.upper!);
    assert.equal(result.gap.estimate, 0.5);
    assert.deepEqual([result.gap.higherGroup, result.gap.lowerGroup], ['high', 'low']);
    assert.equal(result.gap.replicates, 1000);
    assert.equal(result.gap.level, 0.95);
    assert.ok(ciExcludesNoGap(result.gap, 'difference'), JSON.stringify(result.gap));
    assert.ok(ciExcludesNoGap(result.gapRatio, 'ratio'), JSON.stringify(result.gapRatio));
    assert.ok(result.differenceBetweenGroups.lower! > 0.35 && result.differenceBetweenGroups.upper! < 0.65);
  });

  it('does not claim a gap between identical groups', () => {
    // Both groups hold the very same 100 samples (rate 0.6): any gap in a replicate is sampling noise.
    const data = join(group('x', 100, 60), group('y', 100, 60));
    const result = bootstrapMetricFrame(selectionRate, data.yTrue, data.yPred, data.groups, { seed: 11 });
    assert.equal(result.gap.estimate, 0);
    assert.notEqual(result.gap.higherGroup, result.gap.lowerGroup);
    assert.ok(result.gap.lower! < 0 && result.gap.upper! > 0, JSON.stringify(result.gap));
    assert.equal(ciExcludesNoGap(result.gap, 'difference'), false);
    assert.equal(ciExcludesNoGap(result.gapRatio, 'ratio'), false);
  });

  it('counts replicates in which a group value is undefined', () => {
    // Group 'rare' has 10 samples and one positive: a resample misses it with probability 0.9^10 ≈ 0.349.
    const yTrue = [...new Array<number>(40).fill(1), 1, ...new Array<number>(9).fill(0)];
    const yPred = [...Array.from({ length: 40 }, (_, i) => i % 2), 1, ...new Array<number>(9).fill(0)];
    const groups = [...new Array<string>(40).fill('common'), ...new Array<string>(10).fill('rare')];
    const result = bootstrapMetricFrame(truePositiveRate, yTrue, yPred, groups, { minGroupSize: 5 });
    const rare = result.byGroup.find((g) => g.group === 'rare')!;
    assert.ok(rare.undefinedReplicates > 280 && rare.undefinedReplicates < 420, String(rare.undefinedReplicates));
    // The comparisons are undefined in the same replicates: the estimate compared 'rare'.
    assert.equal(result.differenceBetweenGroups.undefinedReplicates, rare.undefinedReplicates);
    assert.equal(result.byGroup.find((g) => g.group === 'common')!.undefinedReplicates, 0);
  });

  it('bootstraps several metrics over 10,000 samples × 1,000 replicates', () => {
    const random = mulberry32(99);
    const n = 10_000;
    const groups = Array.from({ length: n }, () => ['a', 'b', 'c', 'd'][Math.floor(random() * 4)]);
    const yTrue = Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    const yPred = yTrue.map((y, i) => (random() < (groups[i] === 'd' ? 0.7 : 0.9) ? y : 1 - y));
    const results = bootstrapMetricFrames({ selectionRate, truePositiveRate, accuracy }, yTrue, yPred, groups);
    const acc = results.accuracy;
    assert.equal(acc.gap.lowerGroup, 'd');
    // Accuracy about 0.9 vs 0.7 with ~2,500 per group: the gap's interval holds the estimate and lies well away from 0.
    assert.ok(acc.gap.lower! > 0.15 && acc.gap.lower! < acc.gap.estimate! && acc.gap.estimate! < acc.gap.upper!, JSON.stringify(acc.gap));
    assert.ok(ciExcludesNoGap(acc.gap, 'difference'));
    assert.equal(Object.keys(results).length, 3);
  });
});
