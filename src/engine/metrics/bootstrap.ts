// Seeded, group-stratified bootstrap percentile confidence intervals for every figure of a MetricFrame
// (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13: the percentile interval).
import { plainRecord } from '../dictionary';
import { throwIfAborted } from '../errors';
import type { MetricFrame, MetricFrameOptions, MetricFunction, SensitiveFeatures } from './metricFrame';
import { aggregateGroups, groupSamples, metricFrame } from './metricFrame';
import type { ProbabilityRow } from './metricValues';
import { mulberry32 } from './seededRandom';

/** Default number of bootstrap replicates: B = 1000 (Efron & Tibshirani 1993 §13.3 recommend B ≥ 1000 for percentile intervals). */
export const DEFAULT_BOOTSTRAP_REPLICATES = 1000;

/** Default confidence level of the intervals. */
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

/** Default seed, so that an audit run twice reports the same intervals. */
export const DEFAULT_BOOTSTRAP_SEED = 0x5eed;

/** Options of the bootstrap: the frame's options plus B, the level, the seed and cancellation. */
export interface BootstrapOptions extends Omit<MetricFrameOptions, 'name'> {
  replicates?: number;
  level?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** A point estimate with its percentile interval; null where undefined. */
export interface ConfidenceInterval {
  /** The value on the original sample. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  level: number;
  replicates: number;
  /** Replicates in which the figure was undefined; the interval comes from the others. */
  undefinedReplicates: number;
}

/** The interval of one group's value. */
export interface GroupInterval extends ConfidenceInterval {
  group: string;
  count: number;
  small: boolean;
  compared: boolean;
}

/** The interval of a comparison between two groups fixed by the estimate (the highest and the lowest). */
export interface PairInterval extends ConfidenceInterval {
  higherGroup?: string;
  lowerGroup?: string;
}

/** Intervals for every figure of one metric's frame. */
export interface BootstrapFrame {
  frame: MetricFrame;
  overall: ConfidenceInterval;
  byGroup: GroupInterval[];
  groupMin: ConfidenceInterval;
  groupMax: ConfidenceInterval;
  /**
   * max − min, recomputed per replicate. Sampling noise alone makes it positive, so its interval never covers 0:
   * use `gap` to ask whether a gap exists.
   */
  differenceBetweenGroups: ConfidenceInterval;
  differenceToOverall: ConfidenceInterval;
  ratioBetweenGroups: ConfidenceInterval;
  ratioToOverall: ConfidenceInterval;
  /** v(higher) − v(lower) for the groups that are max and min in the estimate; its interval may cover 0. */
  gap: PairInterval;
  /** v(lower) / v(higher) for the same two groups; its interval may cover 1. */
  gapRatio: PairInterval;
}

/** The p-quantile of ascending `sorted` values with linear interpolation (numpy.percentile's default); NaN when empty. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  const h = (m - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(m - 1, below + 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

/** Percentile interval of replicate values: [q(α/2), q(1 − α/2)] of the defined replicates, α = 1 − level. */
export function percentileInterval(estimate: number, replicates: ArrayLike<number>, level: number): ConfidenceInterval {
  const defined: number[] = [];
  for (let i = 0; i < replicates.length; i++) if (Number.isFinite(replicates[i])) defined.push(replicates[i]);
  const sorted = Float64Array.from(defined).sort();
  // Tail probabilities rounded to 12 decimals so that level 0.95 gives exactly 0.025 and 0.975, as a user would type them.
  const tail = Math.round(((1 - level) / 2) * 1e12) / 1e12;
  const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
  return {
    estimate: finite(estimate),
    lower: finite(quantile(sorted, tail)),
    upper: finite(quantile(sorted, 1 - tail)),
    level,
    replicates: replicates.length,
    undefinedReplicates: replicates.length - defined.length,
  };
}

/**
 * Whether an interval shows a gap: a difference interval excluding 0, or a ratio interval excluding 1. False when the
 * interval is undefined — "the CI excludes no gap" is then the honest reading.
 */
export function ciExcludesNoGap(interval: ConfidenceInterval, kind: 'difference' | 'ratio'): boolean {
  if (interval.lower === null || interval.upper === null) return false;
  const none = kind === 'difference' ? 0 : 1;
  return interval.lower > none || interval.upper < none;
}

/**
 * The two groups whose gap is bootstrapped: the estimate's max and min groups; when every compared group ties, the
 * first and the last compared group, so that the gap still compares two different groups.
 */
export function comparedPair(frame: MetricFrame): { high: number; low: number } {
  let high = frame.byGroup.findIndex((group) => group.key === frame.groupMax.group);
  let low = frame.byGroup.findIndex((group) => group.key === frame.groupMin.group);
  if (high >= 0 && high === low) {
    const comparedIndices = frame.byGroup.flatMap((group, k) => (group.compared ? [k] : []));
    low = comparedIndices[0];
    high = comparedIndices[comparedIndices.length - 1];
  }
  return { high, low };
}

const AGGREGATES = ['groupMin', 'groupMax', 'differenceBetweenGroups', 'differenceToOverall', 'ratioBetweenGroups', 'ratioToOverall', 'gap', 'gapRatio'] as const;
type AggregateName = (typeof AGGREGATES)[number];

/** Replicate draws of every aggregate of one metric. */
export type AggregateDraws = Record<AggregateName, Float64Array>;

/** New draw buffers for `count` metrics. */
export function aggregateDrawBuffers(count: number, replicates: number): AggregateDraws[] {
  return Array.from({ length: count }, () => Object.fromEntries(AGGREGATES.map((a) => [a, new Float64Array(replicates)])) as AggregateDraws);
}

/** Records replicate b's aggregates; all undefined when a compared group is undefined (`missing`) in it. */
export function recordAggregates(
  draws: AggregateDraws,
  b: number,
  overall: number,
  values: Float64Array,
  compared: readonly boolean[],
  pair: { high: number; low: number },
  missing: boolean,
): void {
  const aggregates = aggregateGroups(overall, values, compared);
  const { high, low } = pair;
  const pairDefined = !missing && high >= 0 && low >= 0;
  draws.groupMin[b] = missing ? Number.NaN : aggregates.min;
  draws.groupMax[b] = missing ? Number.NaN : aggregates.max;
  draws.differenceBetweenGroups[b] = missing ? Number.NaN : aggregates.differenceBetweenGroups;
  draws.differenceToOverall[b] = missing ? Number.NaN : aggregates.differenceToOverall;
  draws.ratioBetweenGroups[b] = missing ? Number.NaN : aggregates.ratioBetweenGroups;
  draws.ratioToOverall[b] = missing ? Number.NaN : aggregates.ratioToOverall;
  draws.gap[b] = pairDefined ? values[high] - values[low] : Number.NaN;
  draws.gapRatio[b] = pairDefined ? values[low] / values[high] : Number.NaN;
}

/** Percentile intervals of every figure of every metric, from the estimate frames and the replicate draws. */
export function assembleFrames(
  names: readonly string[],
  frames: readonly MetricFrame[],
  pairs: ReadonlyArray<{ high: number; low: number }>,
  overallDraws: readonly Float64Array[],
  groupDraws: ReadonlyArray<readonly Float64Array[]>,
  aggregateDraws: readonly AggregateDraws[],
  level: number,
): Record<string, BootstrapFrame> {
  const result: Record<string, BootstrapFrame> = Object.create(null);
  names.forEach((name, m) => {
    const frame = frames[m];
    const estimate = (value: number | null): number => value ?? Number.NaN;
    const interval = (a: AggregateName, value: number | null): ConfidenceInterval => percentileInterval(estimate(value), aggregateDraws[m][a], level);
    const { high, low } = pairs[m];
    const pairGroups = { higherGroup: frame.byGroup[high]?.key, lowerGroup: frame.byGroup[low]?.key };
    const highValue = high >= 0 ? estimate(frame.byGroup[high].value) : Number.NaN;
    const lowValue = low >= 0 ? estimate(frame.byGroup[low].value) : Number.NaN;
    result[name] = {
      frame,
      overall: percentileInterval(estimate(frame.overall.value), overallDraws[m], level),
      byGroup: frame.byGroup.map((group, k) => ({
        group: group.key,
        count: group.count,
        small: group.small,
        compared: group.compared,
        ...percentileInterval(estimate(group.value), groupDraws[m][k], level),
      })),
      groupMin: interval('groupMin', frame.groupMin.value),
      groupMax: interval('groupMax', frame.groupMax.value),
      differenceBetweenGroups: interval('differenceBetweenGroups', frame.differenceBetweenGroups.value),
      differenceToOverall: interval('differenceToOverall', frame.differenceToOverall.value),
      ratioBetweenGroups: interval('ratioBetweenGroups', frame.ratioBetweenGroups.value),
      ratioToOverall: interval('ratioToOverall', frame.ratioToOverall.value),
      gap: { ...percentileInterval(highValue - lowValue, aggregateDraws[m].gap, level), ...pairGroups },
      gapRatio: { ...percentileInterval(lowValue / highValue, aggregateDraws[m].gapRatio, level), ...pairGroups },
    };
  });
  return plainRecord(result);
}

/**
 * Bootstrap intervals for several metrics at once, sharing the resamples. Each replicate resamples, with replacement,
 * each group within itself at its own size (stratified by group, so every replicate has every group); the overall value
 * is the metric on the union. Aggregates of a replicate use the groups compared in the estimate and are undefined in
 * that replicate when one of them is. Deterministic for a seed. Cost: B · (n + Σ metric evaluations), no allocation per replicate.
 */
export function bootstrapMetricFrames(
  metrics: Readonly<Record<string, MetricFunction>>,
  yTrue: readonly number[],
  yPred: readonly number[],
  sensitiveFeatures: SensitiveFeatures,
  options: BootstrapOptions = {},
): Record<string, BootstrapFrame> {
  const replicates = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const probs = options.probs;
  const names = Object.keys(metrics);
  const frames = names.map((name) => metricFrame(metrics[name], yTrue, yPred, sensitiveFeatures, { ...options, name }));
  const { groups } = groupSamples(sensitiveFeatures, yTrue.length);
  const g = groups.length;

  // Reused buffers: one set per group and one for the union, filled in place each replicate.
  const zeros = (length: number): number[] => Array.from({ length }, () => 0); // packed arrays: faster than new Array(n)
  const groupTrue = groups.map((group) => zeros(group.indices.length));
  const groupPred = groups.map((group) => zeros(group.indices.length));
  const groupProbs = probs ? groups.map((group) => group.indices.map((i) => probs[i])) : undefined;
  const allTrue = zeros(yTrue.length);
  const allPred = zeros(yTrue.length);
  const allProbs: ProbabilityRow[] | undefined = probs ? [...probs] : undefined;

  const overallDraws = names.map(() => new Float64Array(replicates));
  const groupDraws = names.map(() => groups.map(() => new Float64Array(replicates)));
  const aggregateDraws = aggregateDrawBuffers(names.length, replicates);
  const compared = frames.map((frame) => frame.byGroup.map((group) => group.compared));
  const pairs = frames.map(comparedPair);
  const values = new Float64Array(g);

  const random = mulberry32(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
  for (let b = 0; b < replicates; b++) {
    throwIfAborted(options.signal);
    let offset = 0;
    for (let k = 0; k < g; k++) {
      const indices = groups[k].indices;
      const size = indices.length;
      const t = groupTrue[k];
      const p = groupPred[k];
      const rows = groupProbs?.[k];
      for (let j = 0; j < size; j++) {
        const i = indices[Math.floor(random() * size)];
        t[j] = allTrue[offset + j] = yTrue[i];
        p[j] = allPred[offset + j] = yPred[i];
        if (rows && allProbs && probs) rows[j] = allProbs[offset + j] = probs[i];
      }
      offset += size;
    }
    for (let m = 0; m < names.length; m++) {
      const metric = metrics[names[m]];
      const overall = metric(allTrue, allPred, allProbs);
      overallDraws[m][b] = overall;
      let missing = false;
      for (let k = 0; k < g; k++) {
        values[k] = metric(groupTrue[k], groupPred[k], groupProbs?.[k]);
        groupDraws[m][k][b] = values[k];
        if (compared[m][k] && Number.isNaN(values[k])) missing = true;
      }
      recordAggregates(aggregateDraws[m], b, overall, values, compared[m], pairs[m], missing);
    }
  }

  return assembleFrames(names, frames, pairs, overallDraws, groupDraws, aggregateDraws, level);
}

/** Bootstrap intervals for one metric (see `bootstrapMetricFrames`). */
export function bootstrapMetricFrame(
  metric: MetricFunction,
  yTrue: readonly number[],
  yPred: readonly number[],
  sensitiveFeatures: SensitiveFeatures,
  options: BootstrapOptions & { name?: string } = {},
): BootstrapFrame {
  const name = options.name ?? (metric.name || 'metric');
  return bootstrapMetricFrames({ [name]: metric }, yTrue, yPred, sensitiveFeatures, options)[name];
}
