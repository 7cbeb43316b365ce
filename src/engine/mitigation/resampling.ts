// Balanced resampling plan (Kamiran & Calders 2012, "Data preprocessing techniques for classification without
// discrimination"): every (group, label) cell is resized to the count it would have if label and group were
// independent, E(g, y) = n_g · n_y / n, rounded half up. Uniform sampling duplicates and drops images uniformly
// at random (seeded); preferential sampling duplicates and drops the images closest to the decision boundary,
// as a ranker (the model's scores) sees them.
import { FairframeError } from '../errors';
import { mulberry32 } from '../metrics';
import { attributeValue } from '../stats/tally';
import type { Dataset } from '../types';
import { computeReweighing } from './reweighing';

/** The plan for one (group, label) cell. */
export interface ResamplingCell {
  group: Record<string, string>;
  groupKey: string;
  label: string;
  /** n_{g,y}: images in the cell now. */
  count: number;
  /** n_g · n_y / n. */
  expected: number;
  /** round(expected), at least 1: the cell's size in the resampled dataset. */
  target: number;
  action: 'oversample' | 'undersample' | 'keep';
  /** target − count: copies to add (> 0) or images to drop (< 0). */
  change: number;
}

export interface ResamplingPlan {
  method: string;
  attributes: string[];
  seed: number;
  n: number;
  /** Size of the resampled dataset (Σ target; differs from n only by rounding). */
  resampledSize: number;
  cells: ResamplingCell[];
  /** How many times each record appears in the resampled dataset (0 = dropped), aligned with `dataset.records`. */
  copies: number[];
}

/** Fisher–Yates shuffle with a seeded generator. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Preferential sampling's choice: for each record, the model's probability of the record's own label (undefined when
 * the model did not score it). Within a cell, the lowest come first — the borderline images: for a two-class task that
 * is Kamiran & Calders' ranking (lowest P(+) first among positives, highest P(+) first among negatives); with more
 * classes, the images the model finds least typical of their label.
 */
export type OwnLabelScores = ReadonlyArray<number | undefined>;

/** A cell's members, borderline first: ascending own-label score, unscored last, ties by record order. */
function borderlineFirst(indices: readonly number[], scores: OwnLabelScores): number[] {
  const key = (index: number): number => scores[index] ?? Number.POSITIVE_INFINITY;
  return [...indices].sort((a, b) => key(a) - key(b) || a - b);
}

/**
 * The resampling plan for the groups formed by `attributes` (their intersection when several): uniform sampling, or,
 * with `scores`, preferential sampling — a cell above its target drops its `count − target` most borderline images; a
 * cell below duplicates its images in borderline order, cycling through the cell (the paper moves a duplicated object
 * to the end of the ranking), so each image appears floor(target / count) times and the first target mod count once more.
 */
export function planResampling(dataset: Dataset, attributes: string[], seed = 0x5eed, scores?: OwnLabelScores): ResamplingPlan {
  const reweighing = computeReweighing(dataset, attributes);
  if (reweighing.n === 0) throw new FairframeError('bad-config', `Dataset '${dataset.name}' has no image to resample.`);
  const random = mulberry32(seed);
  const keyOf = (groupKey: string, label: string): string => `${groupKey}\u0000${label}`;
  const members = new Map<string, number[]>();
  dataset.records.forEach((record, index) => {
    const key = keyOf(attributes.map((name) => attributeValue(record, name)).join(' × '), record.label);
    const list = members.get(key);
    if (list) list.push(index);
    else members.set(key, [index]);
  });
  const copies = dataset.records.map(() => 1);
  const cells: ResamplingCell[] = reweighing.cells.map((cell) => {
    const target = Math.max(1, Math.floor(cell.expected + 0.5));
    const indices = members.get(keyOf(cell.groupKey, cell.label)) ?? [];
    const order = (): number[] => (scores ? borderlineFirst(indices, scores) : shuffled(indices, random));
    if (target < cell.count) {
      // Undersample: drop count − target images (uniform: chosen at random; preferential: the most borderline).
      for (const index of order().slice(0, cell.count - target)) copies[index] = 0;
    } else if (target > cell.count) {
      // Oversample: every image floor(target / count) times, and target mod count of them (uniform: chosen at random;
      // preferential: the most borderline) once more.
      const each = Math.floor(target / cell.count);
      for (const index of indices) copies[index] = each;
      for (const index of order().slice(0, target - each * cell.count)) copies[index]++;
    }
    return {
      group: cell.group,
      groupKey: cell.groupKey,
      label: cell.label,
      count: cell.count,
      expected: cell.expected,
      target,
      action: target > cell.count ? 'oversample' : target < cell.count ? 'undersample' : 'keep',
      change: target - cell.count,
    };
  });
  return {
    method: scores
      ? "preferential sampling (Kamiran & Calders 2012): cell (g, y) resized to round(n_g · n_y / n); the images with the lowest model probability of their own label (closest to the decision boundary) are dropped or duplicated first"
      : 'uniform sampling (Kamiran & Calders 2012): cell (g, y) resized to round(n_g · n_y / n); duplicates and drops chosen uniformly at random',
    attributes: [...attributes],
    seed,
    n: reweighing.n,
    resampledSize: cells.reduce((sum, cell) => sum + cell.target, 0),
    cells,
    copies,
  };
}

/** Quotes a CSV field when it holds a comma, quote, line break or edge whitespace (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The plan per image as CSV: path (relative to the dataset root), label, each attribute, copies (0 = drop). */
export function resamplingToCsv(plan: ResamplingPlan, dataset: Dataset): string {
  const lines = [['path', 'label', ...plan.attributes, 'copies'].map(csvField).join(',')];
  dataset.records.forEach((record, index) => {
    lines.push([record.relPath, record.label, ...plan.attributes.map((name) => attributeValue(record, name)), String(plan.copies[index])].map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** The plan per cell as JSON (per-image copies are in the CSV). */
export function resamplingToJson(plan: ResamplingPlan): string {
  const summary = { method: plan.method, attributes: plan.attributes, seed: plan.seed, n: plan.n, resampledSize: plan.resampledSize, cells: plan.cells };
  return `${JSON.stringify({ ...summary, reference: 'Kamiran, F. & Calders, T. (2012). Data preprocessing techniques for classification without discrimination. Knowledge and Information Systems 33(1), 1–33.' }, null, 2)}\n`;
}
