// Per-group threshold mitigation of one class (one-vs-rest) on an audited model: fit on one split, evaluate on another,
// the before/after table with bootstrap intervals (and a paired bootstrap of each change), and the mitigated
// predictions as a predictions file anyone can audit.
import { FairframeError, throwIfAborted } from '../errors';
import { bootstrapCountFrames, COUNT_METRICS, mulberry32, percentileInterval, type ConfidenceInterval } from '../metrics';
import type { DatasetRecord } from '../types';
import { fitThresholds, positiveProbabilities, randomisedDecisions, thresholdsToJson, type FittedThresholds, type ThresholdConstraint, type ThresholdObjective } from './thresholdOptimizer';

/** One audited image with its full probability row (classes in `classNames` order). */
export interface ScoredRecord {
  record: DatasetRecord;
  probs: ArrayLike<number>;
  /** Index of the true class in `classNames`. */
  label: number;
}

export interface ThresholdMitigationOptions {
  attribute: string;
  /** The class treated as positive (one-vs-rest); default: the second class of a two-class model. */
  positiveClass?: string;
  constraint: ThresholdConstraint;
  objective?: ThresholdObjective;
  /** Split to fit on; default: a validation split if there is one, else half of the evaluation split. */
  fitSplit?: string;
  /** Split to evaluate on; default: 'test' if present, else every image not fitted on. */
  evalSplit?: string;
  seed?: number;
  replicates?: number;
  level?: number;
  gridSize?: number;
  signal?: AbortSignal;
}

/** A metric before and after, overall and by group, with the gap between groups and the paired change of that gap. */
export interface BeforeAfterRow {
  metric: 'accuracy' | 'selectionRate' | 'truePositiveRate' | 'falsePositiveRate';
  before: { overall: ConfidenceInterval; byGroup: Record<string, ConfidenceInterval>; difference: ConfidenceInterval };
  after: { overall: ConfidenceInterval; byGroup: Record<string, ConfidenceInterval>; difference: ConfidenceInterval };
  /** after − before of the max − min difference between groups, paired bootstrap over the evaluation images. */
  differenceChange: ConfidenceInterval;
  /** after − before of the overall value, paired bootstrap. */
  overallChange: ConfidenceInterval;
}

export interface ThresholdMitigationResult {
  method: string;
  attribute: string;
  positiveClass: string;
  classNames: string[];
  fit: { split: string; images: number; note?: string };
  evaluation: { split: string; images: number };
  thresholds: FittedThresholds;
  table: BeforeAfterRow[];
  /** Randomised decisions are drawn with this seed (fairlearn's predict draws u ~ U(0, 1) per image). */
  seed: number;
  /** The mitigated predictions of the evaluation images: the positive class when the rule says so, else the model's best other class. */
  mitigated: Array<{ relPath: string; predicted: string; positiveProbability: number; group: string }>;
}

const HELD_OUT = ['validation', 'valid', 'val', 'dev'];
const EVALUATION = ['test', 'testing', 'holdout', 'eval'];

/** A stable pseudo-random order of records (by seeded hash of the relative path), for halving a split. */
function hashOrder(relPath: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < relPath.length; i++) h = Math.imul(h ^ relPath.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Chooses the fit and evaluation images. */
function chooseSplits(scored: ScoredRecord[], options: ThresholdMitigationOptions, seed: number): { fit: ScoredRecord[]; evaluation: ScoredRecord[]; fitSplit: string; evalSplit: string; note?: string } {
  const splits = new Set(scored.map((s) => s.record.split).filter((s): s is string => s !== undefined));
  const find = (names: string[]): string | undefined => [...splits].find((split) => names.includes(split.toLowerCase()));
  const check = (name: string | undefined): void => {
    if (name !== undefined && !splits.has(name)) throw new FairframeError('bad-config', `The split '${name}' does not occur among the audited images (their splits: ${[...splits].map((s) => `'${s}'`).join(', ') || 'none'}).`);
  };
  check(options.fitSplit);
  check(options.evalSplit);
  const evalSplit = options.evalSplit ?? find(EVALUATION);
  const fitSplit = options.fitSplit ?? find(HELD_OUT);
  const inSplit = (name: string | undefined): ScoredRecord[] => (name === undefined ? scored : scored.filter((s) => s.record.split === name));
  if (fitSplit !== undefined && fitSplit !== evalSplit) {
    return { fit: inSplit(fitSplit), evaluation: evalSplit === undefined ? scored.filter((s) => s.record.split !== fitSplit) : inSplit(evalSplit), fitSplit, evalSplit: evalSplit ?? `all but '${fitSplit}'` };
  }
  // One split for both: halve it by a seeded hash of the paths, so fitting and evaluation never share an image.
  const pool = inSplit(evalSplit);
  const ordered = [...pool].sort((a, b) => hashOrder(a.record.relPath, seed) - hashOrder(b.record.relPath, seed) || (a.record.relPath < b.record.relPath ? -1 : 1));
  const half = Math.floor(ordered.length / 2);
  const name = evalSplit ?? 'all images';
  return {
    fit: ordered.slice(0, half),
    evaluation: ordered.slice(half),
    fitSplit: `half of ${evalSplit ? `'${evalSplit}'` : name}`,
    evalSplit: `the other half of ${evalSplit ? `'${evalSplit}'` : name}`,
    note: `No separate split to fit on: ${name} was halved by a seeded hash of the image paths (seed ${seed}).`,
  };
}

/** Fits per-group thresholds for one class and measures the effect on held-out images. */
export function mitigateWithThresholds(scored: ScoredRecord[], classNames: string[], options: ThresholdMitigationOptions): ThresholdMitigationResult {
  const seed = options.seed ?? 0x5eed;
  const positiveClass = options.positiveClass ?? (classNames.length === 2 ? classNames[1] : undefined);
  if (positiveClass === undefined) {
    throw new FairframeError('bad-config', `The model has ${classNames.length} classes: name the class to mitigate one-vs-rest with --positive (one of ${classNames.map((c) => `'${c}'`).join(', ')}).`);
  }
  const positive = classNames.indexOf(positiveClass);
  if (positive < 0) throw new FairframeError('bad-config', `The class '${positiveClass}' is not one of the model's: ${classNames.map((c) => `'${c}'`).join(', ')}.`);
  const groupOf = (s: ScoredRecord): string => {
    const value = s.record.attributes[options.attribute];
    if (value === undefined) {
      const known = Object.keys(s.record.attributes);
      throw new FairframeError('bad-config', `The images have no sensitive attribute '${options.attribute}' (${known.length ? `theirs: ${known.map((a) => `'${a}'`).join(', ')}` : 'none was found'}); choose one, or name the column under "attributes" in fairframe.json.`);
    }
    return value;
  };
  const { fit, evaluation, fitSplit, evalSplit, note } = chooseSplits(scored, options, seed);
  if (fit.length === 0 || evaluation.length === 0) throw new FairframeError('bad-config', `No image to ${fit.length === 0 ? 'fit' : 'evaluate'} on (${fitSplit}: ${fit.length}, ${evalSplit}: ${evaluation.length}).`);
  const thresholds = fitThresholds(
    fit.map((s) => s.probs[positive]),
    fit.map((s) => (s.label === positive ? 1 : 0)),
    fit.map(groupOf),
    { constraint: options.constraint, objective: options.objective, gridSize: options.gridSize },
  );

  // Before: the model's own one-vs-rest decision (top class = positive). After: the randomised group rule.
  const groups = evaluation.map(groupOf);
  const yTrue = evaluation.map((s) => (s.label === positive ? 1 : 0));
  const before = evaluation.map((s) => (topIndex(s.probs) === positive ? 1 : 0));
  const pPositive = positiveProbabilities(thresholds, evaluation.map((s) => s.probs[positive]), groups);
  const after = Array.from(randomisedDecisions(pPositive, mulberry32(seed)));
  const table = beforeAfter(yTrue, before, after, groups, { replicates: options.replicates ?? 1000, level: options.level ?? 0.95, seed, signal: options.signal });
  const mitigated = evaluation.map((s, i) => ({
    relPath: s.record.relPath,
    predicted: classNames[after[i] === 1 ? positive : bestOther(s.probs, positive)],
    positiveProbability: pPositive[i],
    group: groups[i],
  }));
  return {
    method: `${thresholds.method}; class '${positiveClass}' against the rest; decisions drawn at random where the rule mixes two thresholds`,
    attribute: options.attribute,
    positiveClass,
    classNames,
    fit: { split: fitSplit, images: fit.length, note },
    evaluation: { split: evalSplit, images: evaluation.length },
    thresholds: thresholdsToJson(thresholds) as FittedThresholds,
    table,
    seed,
    mitigated,
  };
}

function topIndex(probs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return best;
}

/** The most probable class other than `positive` (the decision when the rule says "not positive"). */
function bestOther(probs: ArrayLike<number>, positive: number): number {
  let best = positive === 0 ? 1 : 0;
  for (let i = 0; i < probs.length; i++) if (i !== positive && probs[i] > probs[best]) best = i;
  return best;
}

const TABLE_METRICS = ['accuracy', 'selectionRate', 'truePositiveRate', 'falsePositiveRate'] as const;

/** Confusion counts of binary decisions (class 1 positive). */
interface Binary {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function addCount(counts: Binary, truth: number, decision: number): void {
  if (decision === 1) {
    if (truth === 1) counts.tp++;
    else counts.fp++;
  } else if (truth === 1) counts.fn++;
  else counts.tn++;
}

/** One of the table's metrics from binary counts: accuracy, selection rate, TPR, FPR (NaN when undefined). */
function binaryMetric(metric: (typeof TABLE_METRICS)[number], c: Binary): number {
  const n = c.tp + c.fp + c.tn + c.fn;
  switch (metric) {
    case 'accuracy':
      return n > 0 ? (c.tp + c.tn) / n : Number.NaN; // (TP + TN) / n
    case 'selectionRate':
      return n > 0 ? (c.tp + c.fp) / n : Number.NaN; // (TP + FP) / n, fairlearn selection_rate
    case 'truePositiveRate':
      return c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : Number.NaN; // TP / (TP + FN)
    case 'falsePositiveRate':
      return c.fp + c.tn > 0 ? c.fp / (c.fp + c.tn) : Number.NaN; // FP / (FP + TN)
  }
}

/** max − min over groups of a metric (fairlearn difference between groups); NaN groups are left out. */
function groupDifference(metric: (typeof TABLE_METRICS)[number], counts: readonly Binary[]): number {
  const values = counts.map((c) => binaryMetric(metric, c)).filter((v) => Number.isFinite(v));
  return values.length < 2 ? Number.NaN : Math.max(...values) - Math.min(...values);
}

/** Per-group and overall counts of before and after decisions over `members` (row indices per group, repeats allowed). */
function countsOf(yTrue: readonly number[], before: readonly number[], after: readonly number[], members: readonly number[][]): { before: Binary[]; after: Binary[]; overallBefore: Binary; overallAfter: Binary } {
  const empty = (): Binary => ({ tp: 0, fp: 0, tn: 0, fn: 0 });
  const result = { before: members.map(empty), after: members.map(empty), overallBefore: empty(), overallAfter: empty() };
  members.forEach((rows, g) => {
    for (const i of rows) {
      addCount(result.before[g], yTrue[i], before[i]);
      addCount(result.after[g], yTrue[i], after[i]);
    }
    for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
      result.overallBefore[key] += result.before[g][key];
      result.overallAfter[key] += result.after[g][key];
    }
  });
  return result;
}

/** The before/after table: each side's bootstrap frames, and a paired bootstrap (same resampled images) of each change. */
export function beforeAfter(yTrue: number[], before: number[], after: number[], groups: string[], options: { replicates: number; level: number; seed: number; signal?: AbortSignal }): BeforeAfterRow[] {
  const metrics = { accuracy: COUNT_METRICS.accuracy, selectionRate: COUNT_METRICS.selectionRate(1), truePositiveRate: COUNT_METRICS.truePositiveRate(1), falsePositiveRate: COUNT_METRICS.falsePositiveRate(1) };
  const bootstrap = { replicates: options.replicates, level: options.level, seed: options.seed, signal: options.signal, minGroupSize: 1 };
  const framesBefore = bootstrapCountFrames(metrics, yTrue, before, 2, groups, bootstrap);
  const framesAfter = bootstrapCountFrames(metrics, yTrue, after, 2, groups, bootstrap);
  const names = [...new Set(groups)].sort();
  const members = names.map((name) => groups.flatMap((g, i) => (g === name ? [i] : [])));
  // Paired bootstrap: resample images within each group (as the frames do), count before and after on the same draw.
  const random = mulberry32(options.seed ^ 0x9e3779b9);
  const draws = TABLE_METRICS.map(() => ({ difference: new Float64Array(options.replicates), overall: new Float64Array(options.replicates) }));
  const resampled = members.map((rows) => new Array<number>(rows.length));
  for (let b = 0; b < options.replicates; b++) {
    if ((b & 63) === 0) throwIfAborted(options.signal);
    members.forEach((rows, g) => {
      for (let j = 0; j < rows.length; j++) resampled[g][j] = rows[Math.floor(random() * rows.length)];
    });
    const c = countsOf(yTrue, before, after, resampled);
    TABLE_METRICS.forEach((metric, m) => {
      draws[m].difference[b] = groupDifference(metric, c.after) - groupDifference(metric, c.before);
      draws[m].overall[b] = binaryMetric(metric, c.overallAfter) - binaryMetric(metric, c.overallBefore);
    });
  }
  const full = countsOf(yTrue, before, after, members);
  const side = (frame: (typeof framesBefore)[string]): BeforeAfterRow['before'] => ({
    overall: frame.overall,
    byGroup: Object.fromEntries(frame.byGroup.map((group) => [group.group, group])),
    difference: frame.differenceBetweenGroups,
  });
  return TABLE_METRICS.map((metric, m) => ({
    metric,
    before: side(framesBefore[metric]),
    after: side(framesAfter[metric]),
    differenceChange: percentileInterval(groupDifference(metric, full.after) - groupDifference(metric, full.before), draws[m].difference, options.level),
    overallChange: percentileInterval(binaryMetric(metric, full.overallAfter) - binaryMetric(metric, full.overallBefore), draws[m].overall, options.level),
  }));
}
