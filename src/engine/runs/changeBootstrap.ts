// The interval of a change between two runs: a paired bootstrap over the images when both runs scored the same
// images (each replicate draws one set of images and scores both runs on it), else independent bootstraps of each run.
// Either way the resampling is stratified by group, as the audit's own intervals are (Efron & Tibshirani 1993, ch. 13).
import { percentileInterval, type ConfidenceInterval } from '../metrics/bootstrap';
import { add, addAll, clear, emptyCounts, type ConfusionCounts, type CountMetric, type Samples } from '../metrics/countBootstrap';

import { mulberry32 } from '../metrics/seededRandom';
import { throwIfAborted } from '../errors';

/** One run's scored images, as counts are made of: cell = true · k + predicted, the top-1 confidence bin and whether it was right. */
export interface ScoredImages extends Samples {
  /** Index into `groupNames` of each image's group. */
  group: Int32Array;
  groupNames: string[];
}

/** A metric of one run's report: the function of counts, and which groups its comparisons use (by name). */
export interface SideMetric {
  metric: CountMetric;
  compared: ReadonlySet<string>;
}

/** The figures of one metric on one side: overall, per group, and the between-group difference (max − min) and ratio (min / max). */
export interface SideValues {
  overall: number;
  byGroup: Float64Array;
  difference: number;
  ratio: number;
}

/** Draws of one metric's figures on one side, one per replicate. */
export interface SideDraws {
  overall: Float64Array;
  byGroup: Float64Array[];
  difference: Float64Array;
  ratio: Float64Array;
}

/** How the change was resampled. */
export type ChangeMode = 'paired' | 'independent';

export interface ChangeBootstrapOptions {
  replicates: number;
  seed: number;
  signal?: AbortSignal;
}

export function strataOf(group: Int32Array, strata: number): number[][] {
  const members: number[][] = Array.from({ length: strata }, () => []);
  for (let i = 0; i < group.length; i++) members[group[i]].push(i);
  return members;
}

/**
 * Fills `out` with one stratified resample: for each stratum in order, size(stratum) draws with replacement of
 * members[floor(u · size)], u from `random`. The order of draws is part of the contract (tests replay it in numpy).
 */
export function drawStratified(members: readonly number[][], random: () => number, out: Int32Array): void {
  let offset = 0;
  for (const stratum of members) {
    const size = stratum.length;
    for (let j = 0; j < size; j++) out[offset + j] = stratum[Math.floor(random() * size)];
    offset += size;
  }
}

/** The figures of each metric on the counts of the groups (and their union). */
function evaluate(metrics: readonly SideMetric[], groupNames: readonly string[], groupCounts: readonly ConfusionCounts[], overall: ConfusionCounts): SideValues[] {
  return metrics.map(({ metric, compared }) => {
    const byGroup = new Float64Array(groupCounts.length);
    let max = -Infinity;
    let min = Infinity;
    let missing = false;
    let any = false;
    for (let g = 0; g < groupCounts.length; g++) {
      const value = groupCounts[g].n > 0 ? metric(groupCounts[g]) : Number.NaN;
      byGroup[g] = value;
      if (!compared.has(groupNames[g])) continue;
      if (Number.isNaN(value)) missing = true;
      else {
        any = true;
        if (value > max) max = value;
        if (value < min) min = value;
      }
    }
    // A comparison is undefined when a compared group is (the audit's policy, recordAggregates).
    const defined = any && !missing;
    return { overall: metric(overall), byGroup, difference: defined ? max - min : Number.NaN, ratio: defined && max > 0 ? min / max : Number.NaN };
  });
}

/** The figures of every metric on the whole sample (no resampling). */
export function sideEstimates(side: ScoredImages, metrics: readonly SideMetric[]): SideValues[] {
  const groupCounts = side.groupNames.map(() => emptyCounts(side.k, side.bins));
  const overall = emptyCounts(side.k, side.bins);
  for (let i = 0; i < side.cell.length; i++) add(groupCounts[side.group[i]], side, i);
  for (const counts of groupCounts) addAll(overall, counts);
  return evaluate(metrics, side.groupNames, groupCounts, overall);
}

function newDraws(metrics: number, groups: number, replicates: number): SideDraws[] {
  return Array.from({ length: metrics }, () => ({
    overall: new Float64Array(replicates),
    byGroup: Array.from({ length: groups }, () => new Float64Array(replicates)),
    difference: new Float64Array(replicates),
    ratio: new Float64Array(replicates),
  }));
}

/**
 * Replicate draws of every metric's figures on both sides. Paired (`before` and `after` hold the same images in the same
 * order): each replicate draws one stratified resample of image indices (strata = the before run's groups) and scores both
 * runs on it. Independent: each replicate resamples the before run, then the after run, each within its own groups.
 */
export function bootstrapChange(
  before: ScoredImages,
  after: ScoredImages,
  metricsBefore: readonly SideMetric[],
  metricsAfter: readonly SideMetric[],
  mode: ChangeMode,
  options: ChangeBootstrapOptions,
): { before: SideDraws[]; after: SideDraws[] } {
  return drainSteps(bootstrapChangeSteps(before, after, metricsBefore, metricsAfter, mode, options));
}

/** Replicates done between two pauses of the stepwise computations (a few milliseconds of work on 10,000 images). */
export const REPLICATES_PER_STEP = 16;

/** Runs a stepwise computation to its end at once. */
export function drainSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs a stepwise computation, giving the event loop a turn between steps (the editor stays responsive). */
export async function drainStepsAsync<T>(steps: Generator<void, T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    throwIfAborted(signal);
    const next = steps.next();
    if (next.done) return next.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** `bootstrapChange` as steps: pauses every REPLICATES_PER_STEP replicates. */
export function* bootstrapChangeSteps(
  before: ScoredImages,
  after: ScoredImages,
  metricsBefore: readonly SideMetric[],
  metricsAfter: readonly SideMetric[],
  mode: ChangeMode,
  options: ChangeBootstrapOptions,
): Generator<void, { before: SideDraws[]; after: SideDraws[] }> {
  const { replicates } = options;
  const random = mulberry32(options.seed);
  const sides = [before, after].map((side, s) => ({
    side,
    metrics: s === 0 ? metricsBefore : metricsAfter,
    members: strataOf(side.group, side.groupNames.length),
    draws: newDraws((s === 0 ? metricsBefore : metricsAfter).length, side.groupNames.length, replicates),
    groupCounts: side.groupNames.map(() => emptyCounts(side.k, side.bins)),
    overall: emptyCounts(side.k, side.bins),
    indices: new Int32Array(side.cell.length),
  }));
  for (let b = 0; b < replicates; b++) {
    if (b % REPLICATES_PER_STEP === 0) {
      throwIfAborted(options.signal);
      if (b > 0) yield;
    }
    if (mode === 'paired') drawStratified(sides[0].members, random, sides[0].indices);
    for (const state of sides) {
      if (mode === 'independent') drawStratified(state.members, random, state.indices);
      const indices = mode === 'paired' ? sides[0].indices : state.indices;
      for (const counts of state.groupCounts) clear(counts);
      clear(state.overall);
      for (let j = 0; j < indices.length; j++) add(state.groupCounts[state.side.group[indices[j]]], state.side, indices[j]);
      for (const counts of state.groupCounts) addAll(state.overall, counts);
      const values = evaluate(state.metrics, state.side.groupNames, state.groupCounts, state.overall);
      values.forEach((value, m) => {
        const draws = state.draws[m];
        draws.overall[b] = value.overall;
        draws.difference[b] = value.difference;
        draws.ratio[b] = value.ratio;
        for (let g = 0; g < value.byGroup.length; g++) draws.byGroup[g][b] = value.byGroup[g];
      });
    }
  }
  return { before: sides[0].draws, after: sides[1].draws };
}

/** The percentile interval of after − before, from the estimates and matching replicate draws. */
export function changeInterval(estimateBefore: number, estimateAfter: number, drawsBefore: Float64Array, drawsAfter: Float64Array, level: number): ConfidenceInterval {
  const change = new Float64Array(drawsBefore.length);
  for (let b = 0; b < change.length; b++) change[b] = drawsAfter[b] - drawsBefore[b];
  return percentileInterval(estimateAfter - estimateBefore, change, level);
}
