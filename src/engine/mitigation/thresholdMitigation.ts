// Per-group threshold mitigation of one class (one-vs-rest) on an audited model: fit on one split, evaluate on another,
// the before/after table with bootstrap intervals (and a paired bootstrap of each change), and the mitigated
// predictions as a predictions file anyone can audit.
import { FairframeError } from '../errors';
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

/** One of the table's metrics on binary decisions (class 1 positive): accuracy, selection rate, TPR, FPR. */
function binaryMetric(metric: (typeof TABLE_METRICS)[number], yTrue: readonly number[], yPred: readonly number[], rows: readonly number[]): number {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const i of rows) {
    if (yPred[i] === 1) {
      if (yTrue[i] === 1) tp++;
      else fp++;
    } else if (yTrue[i] === 1) fn++;
    else tn++;
  }
  const n = tp + fp + tn + fn;
  switch (metric) {
    case 'accuracy':
      return n > 0 ? (tp + tn) / n : Number.NaN; // (TP + TN) / n
    case 'selectionRate':
      return n > 0 ? (tp + fp) / n : Number.NaN; // (TP + FP) / n, fairlearn selection_rate
    case 'truePositiveRate':
      return tp + fn > 0 ? tp / (tp + fn) : Number.NaN; // TP / (TP + FN)
    case 'falsePositiveRate':
      return fp + tn > 0 ? fp / (fp + tn) : Number.NaN; // FP / (FP + TN)
  }
}

/** max − min over groups of a metric (fairlearn difference between groups); NaN groups are left out. */
function groupDifference(metric: (typeof TABLE_METRICS)[number], yTrue: readonly number[], yPred: readonly number[], members: readonly number[][]): number {
  const values = members.map((rows) => binaryMetric(metric, yTrue, yPred, rows)).filter((v) => Number.isFinite(v));
  return values.length < 2 ? Number.NaN : Math.max(...values) - Math.min(...values);
}

/** The before/after table: each side's bootstrap frames, and a paired bootstrap (same resampled images) of each change. */
export function beforeAfter(yTrue: number[], before: number[], after: number[], groups: string[], options: { replicates: number; level: number; seed: number; signal?: AbortSignal }): BeforeAfterRow[] {
  const metrics = { accuracy: COUNT_METRICS.accuracy, selectionRate: COUNT_METRICS.selectionRate(1), truePositiveRate: COUNT_METRICS.truePositiveRate(1), falsePositiveRate: COUNT_METRICS.falsePositiveRate(1) };
  const bootstrap = { replicates: options.replicates, level: options.level, seed: options.seed, signal: options.signal, minGroupSize: 1 };
  const framesBefore = bootstrapCountFrames(metrics, yTrue, before, 2, groups, bootstrap);
  const framesAfter = bootstrapCountFrames(metrics, yTrue, after, 2, groups, bootstrap);
  const names = [...new Set(groups)].sort();
  const members = names.map((name) => groups.flatMap((g, i) => (g === name ? [i] : [])));
  const all = yTrue.map((_, i) => i);
  // Paired bootstrap: resample images within each group (as the frames do), evaluate before and after on the same draw.
  const random = mulberry32(options.seed ^ 0x9e3779b9);
  const draws = TABLE_METRICS.map(() => ({ difference: new Float64Array(options.replicates), overall: new Float64Array(options.replicates) }));
  for (let b = 0; b < options.replicates; b++) {
    const resampled = members.map((rows) => rows.map(() => rows[Math.floor(random() * rows.length)]));
    const everyone = resampled.flat();
    TABLE_METRICS.forEach((metric, m) => {
      draws[m].difference[b] = groupDifference(metric, yTrue, after, resampled) - groupDifference(metric, yTrue, before, resampled);
      draws[m].overall[b] = binaryMetric(metric, yTrue, after, everyone) - binaryMetric(metric, yTrue, before, everyone);
    });
  }
  const side = (frame: (typeof framesBefore)[string]): BeforeAfterRow['before'] => ({
    overall: frame.overall,
    byGroup: Object.fromEntries(frame.byGroup.map((group) => [group.group, group])),
    difference: frame.differenceBetweenGroups,
  });
  return TABLE_METRICS.map((metric, m) => ({
    metric,
    before: side(framesBefore[metric]),
    after: side(framesAfter[metric]),
    differenceChange: percentileInterval(groupDifference(metric, yTrue, after, members) - groupDifference(metric, yTrue, before, members), draws[m].difference, options.level),
    overallChange: percentileInterval(binaryMetric(metric, yTrue, after, all) - binaryMetric(metric, yTrue, before, all), draws[m].overall, options.level),
  }));
}
