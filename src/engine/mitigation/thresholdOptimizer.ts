// Post-processing by per-group decision thresholds (Hardt, Price & Srebro 2016, "Equality of Opportunity in Supervised
// Learning"), as fairlearn 0.12's ThresholdOptimizer computes it (flip = false): per group, the upper convex hull of
// the (constraint metric, objective) or ROC points over every threshold of the scores; the best common operating point
// on a grid; and per group a randomised mix of the two thresholds either side of it (plus, for equalized odds, a
// probability of ignoring the score and predicting positive at the common false-positive rate).
import { FairframeError } from '../errors';

/** The parity the thresholds enforce: selection rate, true-positive rate, or both TPR and FPR. */
export type ThresholdConstraint = 'demographic_parity' | 'equal_opportunity' | 'equalized_odds';
/** What the common operating point maximises. */
export type ThresholdObjective = 'accuracy_score' | 'balanced_accuracy_score';

/** Predict positive when score > threshold (fairlearn ThresholdOperation '>'); ±Infinity at the ends. */
export interface ThresholdOperation {
  operator: '>';
  threshold: number;
}

/** A group's randomised rule: P(positive) = p0·[score > t0] + p1·[score > t1], then mixed with the constant if pIgnore. */
export interface GroupThresholds {
  p0: number;
  operation0: ThresholdOperation;
  p1: number;
  operation1: ThresholdOperation;
  /** Equalized odds only: probability of ignoring the score and predicting positive with `predictionConstant`. */
  pIgnore?: number;
  predictionConstant?: number;
  /** Images of the group in the fitting data. */
  count: number;
}

export interface FittedThresholds {
  method: string;
  constraint: ThresholdConstraint;
  objective: ThresholdObjective;
  gridSize: number;
  /** The common value of the constraint metric (selection rate, TPR, or FPR for equalized odds) chosen on the grid. */
  xBest: number;
  /** Equalized odds: the common TPR. */
  yBest?: number;
  /** The objective at the chosen point, on the fitting data (expected over the randomisation). */
  objectiveValue: number;
  groups: Record<string, GroupThresholds>;
}

interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

// The metrics of fairlearn's METRIC_DICT, on counts (which may be fractional for the equalized-odds grid).
const METRICS = {
  /** Selection rate = (TP + FP) / n. */
  selection_rate: (c: Counts): number => (c.tp + c.fp) / (c.tp + c.fp + c.tn + c.fn),
  /** TPR = TP / (TP + FN). */
  true_positive_rate: (c: Counts): number => c.tp / (c.tp + c.fn),
  /** FPR = FP / (FP + TN). */
  false_positive_rate: (c: Counts): number => c.fp / (c.fp + c.tn),
  /** Accuracy = (TP + TN) / n. */
  accuracy_score: (c: Counts): number => (c.tp + c.tn) / (c.tp + c.fp + c.tn + c.fn),
  /** Balanced accuracy = ½·TPR + ½·TNR. */
  balanced_accuracy_score: (c: Counts): number => 0.5 * c.tp / (c.tp + c.fn) + 0.5 * c.tn / (c.tn + c.fp),
};
type MetricName = keyof typeof METRICS;

interface CurvePoint {
  x: number;
  y: number;
  threshold: number;
}

/** Every threshold between distinct scores (from +∞ down to −∞) as an (x, y) point, sorted by x then y (fairlearn _calculate_tradeoff_points). */
function tradeoffPoints(scores: number[], labels: number[], group: string, xMetric: MetricName, yMetric: MetricName): CurvePoint[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const sorted = order.map((i) => scores[i]);
  const sortedLabels = order.map((i) => labels[i]);
  const n = sorted.length;
  const positives = sortedLabels.reduce((a, b) => a + b, 0);
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new FairframeError('bad-config', `The group '${group}' has ${positives === 0 ? 'no positive' : 'no negative'} example in the fitting data; per-group thresholds need both (merge small groups, or fit on a larger split).`, { group });
  }
  sorted.push(-Infinity);
  const points: CurvePoint[] = [];
  const count = [0, 0];
  let i = 0;
  let first = true;
  while (i < n) {
    let threshold: number;
    if (first) {
      threshold = Infinity;
      first = false;
    } else {
      threshold = sorted[i];
      while (sorted[i] === threshold) {
        count[sortedLabels[i]] += 1;
        i += 1;
      }
      threshold = (threshold + sorted[i]) / 2;
    }
    const counts: Counts = { fp: count[0], tp: count[1], tn: negatives - count[0], fn: positives - count[1] };
    points.push({ x: METRICS[xMetric](counts), y: METRICS[yMetric](counts), threshold });
  }
  // Stable sort by x, then y (pandas sort_values on two keys).
  return points.map((point, index) => ({ point, index })).sort((a, b) => a.point.x - b.point.x || a.point.y - b.point.y || a.index - b.index).map(({ point }) => point);
}

/** The upper convex hull of points sorted by x (fairlearn _filter_points_to_get_convex_hull). */
function convexHull(points: CurvePoint[]): CurvePoint[] {
  const selected: CurvePoint[] = [];
  for (const r2 of points) {
    while (selected.length >= 2) {
      const r1 = selected[selected.length - 1];
      const r0 = selected[selected.length - 2];
      if ((r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x)) selected.pop();
      else break;
    }
    selected.push(r2);
  }
  return selected;
}

interface GridPoint {
  y: number;
  p0: number;
  p1: number;
  t0: number;
  t1: number;
}

/** The hull evaluated at each grid x by linear interpolation between neighbouring hull points (fairlearn _interpolate_curve). */
function interpolateCurve(hull: CurvePoint[], grid: number[]): GridPoint[] {
  let i = 0;
  const x0 = hull[0].x;
  while (hull[i + 1].x === x0) i++;
  return grid.map((x) => {
    while (x > hull[i + 1].x) i++;
    const p0 = (hull[i + 1].x - x) / (hull[i + 1].x - hull[i].x);
    const p1 = 1 - p0;
    return { y: p0 * hull[i].y + p1 * hull[i + 1].y, p0, p1, t0: hull[i].threshold, t1: hull[i + 1].threshold };
  });
}

/** numpy.linspace(0, 1, size + 1). */
function linspace(size: number): number[] {
  const step = 1 / size;
  const grid = Array.from({ length: size + 1 }, (_, i) => i * step);
  grid[size] = 1;
  return grid;
}

/** First index of the maximum (pandas idxmax). */
function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Rounds to 15 decimals (numpy.around(x, 15)), as fairlearn does before choosing the equalized-odds optimum. */
function around15(value: number): number {
  return Math.round(value * 1e15) / 1e15;
}

/** Groups in sorted order (pandas groupby), with the indices of their members. */
function groupIndices(groups: readonly string[]): Array<[string, number[]]> {
  const map = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const list = map.get(group);
    if (list) list.push(i);
    else map.set(group, [i]);
  });
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface FitOptions {
  constraint: ThresholdConstraint;
  objective?: ThresholdObjective;
  /** Points of the grid over the constraint metric, minus one (fairlearn grid_size, default 1000). */
  gridSize?: number;
}

/** Fits per-group thresholds on scores (higher = more positive) and binary labels (1 = positive). */
export function fitThresholds(scores: readonly number[], labels: readonly number[], groups: readonly string[], options: FitOptions): FittedThresholds {
  const objective = options.objective ?? 'accuracy_score';
  const gridSize = options.gridSize ?? 1000;
  if (scores.length !== labels.length || scores.length !== groups.length) throw new FairframeError('internal', 'scores, labels and groups differ in length.');
  if (scores.length === 0) throw new FairframeError('bad-config', 'No image to fit thresholds on.');
  if (scores.some((score) => !Number.isFinite(score))) throw new FairframeError('bad-config', 'A score is not a finite number; thresholds need finite scores.');
  const grid = linspace(gridSize);
  const n = scores.length;
  const byGroup = groupIndices(groups);
  const curves = new Map<string, GridPoint[]>();
  const method = 'Hardt, Price & Srebro (2016) per-group thresholds, as fairlearn ThresholdOptimizer (flip=false)';
  const result = (xBest: number, objectiveValue: number, index: number, yBest?: number): FittedThresholds => {
    const fitted: FittedThresholds = { method, constraint: options.constraint, objective, gridSize, xBest, yBest, objectiveValue, groups: {} };
    for (const [group, members] of byGroup) {
      const point = (curves.get(group) as GridPoint[])[index];
      const entry: GroupThresholds = { p0: point.p0, operation0: { operator: '>', threshold: point.t0 }, p1: point.p1, operation1: { operator: '>', threshold: point.t1 }, count: members.length };
      if (yBest !== undefined) {
        // P(ignore the score) moves the group's ROC point down the line to (x, x) until its TPR is the common one.
        const x = grid[index];
        entry.pIgnore = point.y === x ? 0 : (point.y - yBest) / (point.y - x);
        entry.predictionConstant = xBest;
      }
      fitted.groups[group] = entry;
    }
    return fitted;
  };

  if (options.constraint === 'equalized_odds') {
    const yValues: number[][] = [];
    for (const [group, members] of byGroup) {
      const hull = convexHull(tradeoffPoints(members.map((i) => scores[i]), members.map((i) => labels[i]), group, 'false_positive_rate', 'true_positive_rate'));
      const curve = interpolateCurve(hull, grid);
      curves.set(group, curve);
      yValues.push(curve.map((point) => point.y));
    }
    const positives = labels.reduce((a: number, b) => a + b, 0);
    const negatives = n - positives;
    const yMin = grid.map((_, k) => Math.min(...yValues.map((values) => values[k])));
    const objectiveValues = grid.map((x, k) => around15(METRICS[objective]({ fp: negatives * x, tn: negatives * (1 - x), tp: positives * yMin[k], fn: positives * (1 - yMin[k]) })));
    const best = argmax(objectiveValues);
    return result(grid[best], objectiveValues[best], best, yMin[best]);
  }
  const xMetric: MetricName = options.constraint === 'demographic_parity' ? 'selection_rate' : 'true_positive_rate';
  let overall = grid.map(() => 0);
  for (const [group, members] of byGroup) {
    const hull = convexHull(tradeoffPoints(members.map((i) => scores[i]), members.map((i) => labels[i]), group, xMetric, objective));
    const curve = interpolateCurve(hull, grid);
    curves.set(group, curve);
    const share = members.length / n;
    overall = overall.map((value, k) => value + share * curve[k].y);
  }
  const best = argmax(overall);
  return result(grid[best], overall[best], best);
}

/** P(predict positive) for each image under the fitted rule (fairlearn InterpolatedThresholder._pmf_predict[:, 1]). */
export function positiveProbabilities(fitted: FittedThresholds, scores: readonly number[], groups: readonly string[]): Float64Array {
  const out = new Float64Array(scores.length);
  scores.forEach((score, i) => {
    const rule = fitted.groups[groups[i]];
    if (!rule) throw new FairframeError('bad-config', `The group '${groups[i]}' has no fitted threshold (it did not occur in the fitting split).`, { group: groups[i] });
    let p = rule.p0 * (score > rule.operation0.threshold ? 1 : 0) + rule.p1 * (score > rule.operation1.threshold ? 1 : 0);
    if (rule.pIgnore !== undefined) p = rule.pIgnore * (rule.predictionConstant as number) + (1 - rule.pIgnore) * p;
    out[i] = p;
  });
  return out;
}

/** Randomised decisions: positive when P(positive) ≥ u, u uniform from the seeded `random` (fairlearn predict). */
export function randomisedDecisions(probabilities: Float64Array, random: () => number): Uint8Array {
  return Uint8Array.from(probabilities, (p) => (p >= random() ? 1 : 0));
}

/** The fitted rule as JSON (±Infinity thresholds written as "Infinity" / "-Infinity"). */
export function thresholdsToJson(fitted: FittedThresholds): unknown {
  return JSON.parse(JSON.stringify(fitted, (_key, value: unknown) => (value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : value)));
}
