// A metric computed overall and per group of one or more sensitive features, with the group comparisons of
// fairlearn's MetricFrame (Weerts et al. 2023, "Fairlearn: Assessing and Improving Fairness of AI Systems").
import { FairframeError } from '../errors';
import type { ProbabilityRow, ReportedValue } from './metricValues';
import { assertSameLength, reportValue } from './metricValues';

/** Any metric on (truth, prediction, optional probabilities) → number; NaN means undefined. It must not keep the arrays. */
export type MetricFunction = (yTrue: readonly number[], yPred: readonly number[], probs?: readonly ProbabilityRow[]) => number;

/** One sensitive feature (a value per sample), or several by name: their intersections become the groups. */
export type SensitiveFeatures = readonly string[] | Readonly<Record<string, readonly string[]>>;

/** How the values of several features are joined into an intersection key: "V × female". */
export const INTERSECTION_SEPARATOR = ' × ';

/** Groups with fewer samples are flagged `small` and, by default, left out of the comparisons (a common n ≥ 30 rule of thumb). */
export const DEFAULT_MIN_GROUP_SIZE = 30;

/** 'between_groups' compares the groups with each other; 'to_overall' compares each group with the overall value. */
export type ComparisonMethod = 'between_groups' | 'to_overall';

/** Options of `metricFrame`. */
export interface MetricFrameOptions {
  /** Per-sample probabilities, for metrics that need them (ECE, log loss). */
  probs?: readonly ProbabilityRow[];
  /** Groups with fewer samples are flagged small; default DEFAULT_MIN_GROUP_SIZE. Use 1 to flag none. */
  minGroupSize?: number;
  /** Compare small groups too (they stay flagged); default false. */
  includeSmallGroups?: boolean;
  /** Name of the metric for the report, e.g. 'selection rate'. */
  name?: string;
}

/** The samples of one group: its key, the feature values that make it up, and the sample indices. */
export interface SampleGroup {
  key: string;
  values: string[];
  indices: number[];
}

/** The metric in one group. */
export interface GroupValue extends ReportedValue {
  key: string;
  /** The feature values of the group, in feature order (one entry for a single feature). */
  values: string[];
  count: number;
  /** Fewer than minGroupSize samples. */
  small: boolean;
  /** Taken into groupMin/groupMax/difference/ratio: defined, and not small unless includeSmallGroups. */
  compared: boolean;
}

/** A reported value that names the group it comes from. */
export interface GroupExtreme extends ReportedValue {
  group?: string;
}

/** A metric overall and by group, with fairlearn MetricFrame's aggregates over the compared groups. */
export interface MetricFrame {
  metric: string;
  /** Feature names ('feature' for an unnamed single feature). */
  features: string[];
  count: number;
  overall: ReportedValue;
  byGroup: GroupValue[];
  groupMin: GroupExtreme;
  groupMax: GroupExtreme;
  /** max − min over compared groups (fairlearn difference(method='between_groups')). */
  differenceBetweenGroups: ReportedValue;
  /** max_g |v_g − overall| (fairlearn difference(method='to_overall')). */
  differenceToOverall: ReportedValue;
  /** min / max over compared groups (fairlearn ratio(method='between_groups')). */
  ratioBetweenGroups: ReportedValue;
  /** min_g min(v_g/overall, overall/v_g) (fairlearn ratio(method='to_overall')). */
  ratioToOverall: ReportedValue;
  comparedGroups: string[];
  /** Groups whose value is undefined (NaN): listed, never compared. */
  undefinedGroups: string[];
  smallGroups: string[];
  minGroupSize: number;
  includeSmallGroups: boolean;
}

/** min, max and the fairlearn differences and ratios of group values (NaN where undefined). */
export interface GroupAggregates {
  min: number;
  max: number;
  minIndex: number;
  maxIndex: number;
  differenceBetweenGroups: number;
  differenceToOverall: number;
  ratioBetweenGroups: number;
  ratioToOverall: number;
}

/** Splits samples by the (joint) values of the sensitive features; groups sorted by key (code-point order). */
export function groupSamples(sensitiveFeatures: SensitiveFeatures, n: number): { features: string[]; groups: SampleGroup[] } {
  const columns: Array<readonly string[]> = isSingleFeature(sensitiveFeatures) ? [sensitiveFeatures] : Object.values(sensitiveFeatures);
  const features = isSingleFeature(sensitiveFeatures) ? ['feature'] : Object.keys(sensitiveFeatures);
  if (columns.length === 0) {
    throw new FairframeError('internal', 'metricFrame: no sensitive feature given; pass an array of group values or a record of them.');
  }
  columns.forEach((column, f) => assertSameLength(`metricFrame (feature '${features[f]}')`, { length: n }, column, 'the feature'));
  const byKey = new Map<string, SampleGroup>();
  for (let i = 0; i < n; i++) {
    const values = columns.map((column) => String(column[i]));
    const key = values.join(INTERSECTION_SEPARATOR);
    let group = byKey.get(key);
    if (!group) byKey.set(key, (group = { key, values, indices: [] }));
    group.indices.push(i);
  }
  const groups = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { features, groups };
}

function isSingleFeature(features: SensitiveFeatures): features is readonly string[] {
  return Array.isArray(features);
}

/**
 * fairlearn's aggregates over the group values with `compared[i]` true: difference between groups = max − min,
 * to overall = max |v − overall|; ratio between groups = min/max, to overall = min over groups of min(v/overall, overall/v)
 * (NaN ratios, e.g. 0/0, are skipped as pandas' min does). All NaN when no group is compared.
 */
export function aggregateGroups(overall: number, values: ArrayLike<number>, compared: ArrayLike<boolean>): GroupAggregates {
  let min = Number.NaN;
  let max = Number.NaN;
  let minIndex = -1;
  let maxIndex = -1;
  let differenceToOverall = Number.NaN;
  let ratioToOverall = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    if (!compared[i]) continue;
    const value = values[i];
    if (minIndex < 0 || value < min) [min, minIndex] = [value, i];
    if (maxIndex < 0 || value > max) [max, maxIndex] = [value, i];
    const gap = Math.abs(value - overall);
    if (!(gap <= differenceToOverall)) differenceToOverall = gap;
    let ratio = value / overall;
    if (ratio > 1) ratio = 1 / ratio;
    if (!Number.isNaN(ratio) && !(ratio >= ratioToOverall)) ratioToOverall = ratio;
  }
  return {
    min,
    max,
    minIndex,
    maxIndex,
    differenceBetweenGroups: max - min,
    differenceToOverall: Number.isNaN(overall) ? Number.NaN : differenceToOverall,
    ratioBetweenGroups: min / max,
    ratioToOverall: Number.isNaN(overall) ? Number.NaN : ratioToOverall,
  };
}

/** Picks the samples at `indices` (the arrays a metric of one group sees). */
export function selectSamples(
  indices: readonly number[],
  yTrue: readonly number[],
  yPred: readonly number[],
  probs?: readonly ProbabilityRow[],
): { yTrue: number[]; yPred: number[]; probs?: ProbabilityRow[] } {
  return {
    yTrue: indices.map((i) => yTrue[i]),
    yPred: indices.map((i) => yPred[i]),
    probs: probs ? indices.map((i) => probs[i]) : undefined,
  };
}

/**
 * Computes `metric` on all samples and on each group of the sensitive features (fairlearn MetricFrame), then
 * groupMin/groupMax and the differences and ratios over the compared groups: those with a defined value and at least
 * minGroupSize samples. Undefined and small groups are listed, never ranked.
 */
export function metricFrame(
  metric: MetricFunction,
  yTrue: readonly number[],
  yPred: readonly number[],
  sensitiveFeatures: SensitiveFeatures,
  options: MetricFrameOptions = {},
): MetricFrame {
  assertSameLength('metricFrame', yTrue, yPred, 'yPred');
  if (options.probs) assertSameLength('metricFrame', yTrue, options.probs, 'probs');
  const minGroupSize = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;
  const includeSmallGroups = options.includeSmallGroups ?? false;
  const { features, groups } = groupSamples(sensitiveFeatures, yTrue.length);
  const overall = metric(yTrue, yPred, options.probs);
  const values = groups.map((group) => {
    const subset = selectSamples(group.indices, yTrue, yPred, options.probs);
    return metric(subset.yTrue, subset.yPred, subset.probs);
  });
  const small = groups.map((group) => group.indices.length < minGroupSize);
  const compared = values.map((value, i) => !Number.isNaN(value) && (includeSmallGroups || !small[i]));
  const aggregates = aggregateGroups(overall, values, compared);
  const noGroup = `no group has a defined value${includeSmallGroups ? '' : ` and at least ${minGroupSize} samples`}`;
  const byGroup: GroupValue[] = groups.map((group, i) => ({
    key: group.key,
    values: group.values,
    count: group.indices.length,
    small: small[i],
    compared: compared[i],
    ...reportValue(values[i], Number.isNaN(values[i]) ? `undefined in group '${group.key}' (e.g. no samples of the class it divides by)` : 'not finite'),
  }));
  return {
    metric: options.name ?? (metric.name || 'metric'),
    features,
    count: yTrue.length,
    overall: reportValue(overall, 'undefined on the whole set'),
    byGroup,
    groupMin: { ...reportValue(aggregates.min, noGroup), group: groups[aggregates.minIndex]?.key },
    groupMax: { ...reportValue(aggregates.max, noGroup), group: groups[aggregates.maxIndex]?.key },
    differenceBetweenGroups: reportValue(aggregates.differenceBetweenGroups, noGroup),
    differenceToOverall: reportValue(aggregates.differenceToOverall, Number.isNaN(overall) ? 'the overall value is undefined' : noGroup),
    ratioBetweenGroups: reportValue(aggregates.ratioBetweenGroups, aggregates.max === 0 ? 'every compared group has value 0 (0/0)' : noGroup),
    ratioToOverall: reportValue(aggregates.ratioToOverall, Number.isNaN(overall) ? 'the overall value is undefined' : noGroup),
    comparedGroups: groups.filter((_, i) => compared[i]).map((group) => group.key),
    undefinedGroups: groups.filter((_, i) => Number.isNaN(values[i])).map((group) => group.key),
    smallGroups: groups.filter((_, i) => small[i]).map((group) => group.key),
    minGroupSize,
    includeSmallGroups,
  };
}

/** fairlearn MetricFrame.difference(method) as a reported value. */
export function frameDifference(frame: MetricFrame, method: ComparisonMethod = 'between_groups'): ReportedValue {
  return method === 'between_groups' ? frame.differenceBetweenGroups : frame.differenceToOverall;
}

/** fairlearn MetricFrame.ratio(method) as a reported value. */
export function frameRatio(frame: MetricFrame, method: ComparisonMethod = 'between_groups'): ReportedValue {
  return method === 'between_groups' ? frame.ratioBetweenGroups : frame.ratioToOverall;
}
