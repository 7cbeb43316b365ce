// How far to trust a map. Deletion and insertion curves (Petsiuk, Das & Saenko, RISE, BMVC 2018): remove the most
// important pixels first (or insert them onto a baseline) and watch P(class); a faithful map makes it fall fast (low
// deletion AUC) and rise fast (high insertion AUC). And the rank correlation used by the sanity checks of Adebayo et
// al. ("Sanity Checks for Saliency Maps", NeurIPS 2018): a map that survives randomising the model is not explaining it.
import { FairframeError } from '../errors';
import { mulberry32 } from '../metrics/seededRandom';
import type { ExplainImage, Heatmap, ModelRunner } from './explainTypes';
import { assertImageFitsModel, classProbabilities } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';

/** Options of the deletion and insertion curves. */
export interface FaithfulnessOptions {
  /** Steps S: the curve has S + 1 points, at 0, 1/S, …, 1 of the pixels (default 32). */
  steps?: number;
  /** What deleted pixels become (default 'black', as in the paper). */
  deletionBaseline?: PerturbationBaseline;
  /** What insertion starts from (default 'blur', as in the paper). */
  insertionBaseline?: PerturbationBaseline;
  signal?: AbortSignal;
}

/** One curve: P(class) after a fraction x of the pixels (most important first) was deleted or inserted. */
export interface FaithfulnessCurve {
  x: number[];
  y: number[];
  /** Area under y over x ∈ [0, 1], trapezoid rule. */
  auc: number;
  baseline: string;
}

/** Both curves for one map. */
export interface FaithfulnessResult {
  classIndex: number;
  method: string;
  deletion: FaithfulnessCurve;
  insertion: FaithfulnessCurve;
  modelCalls: number;
}

/** Area under a curve by the trapezoid rule: Σ (x_{i+1} − x_i)(y_i + y_{i+1}) / 2. */
export function trapezoidAuc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`trapezoidAuc: ${x.length} x values but ${y.length} y values.`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** Pixel indices ordered by the map, largest first; ties keep index order so the curve is deterministic. */
export function pixelOrder(map: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: map.length }, (_, i) => i);
  return order.sort((a, b) => map[b] - map[a] || a - b);
}

/** Deletion (remove = true: start from the image, replace pixels) or insertion (start from the baseline, restore pixels). */
async function curve(runner: ModelRunner, image: ExplainImage, map: Heatmap, remove: boolean, baseline: PerturbationBaseline, steps: number, signal: AbortSignal | undefined): Promise<FaithfulnessCurve> {
  const order = pixelOrder(map.data);
  const total = order.length;
  const perturber = await createPerturber(image, runner.spec, baseline);
  const keep = new Float32Array(total);
  const x = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const y = Array.from(await classProbabilities(runner, steps + 1, (k) => {
    const changed = Math.round((k * total) / steps);
    keep.fill(remove ? 1 : 0);
    for (let i = 0; i < changed; i++) keep[order[i]] = remove ? 0 : 1;
    return perturber.blend(keep);
  }, map.classIndex, signal));
  return { x, y, auc: trapezoidAuc(x, y), baseline: baselineName(baseline) };
}

/** Deletion and insertion curves and their AUCs for `map` (its class). Cost: 2 · (S + 1) model calls. */
export async function faithfulness(runner: ModelRunner, image: ExplainImage, map: Heatmap, options: FaithfulnessOptions = {}): Promise<FaithfulnessResult> {
  assertImageFitsModel(runner, image);
  if (map.width !== image.width || map.height !== image.height) {
    throw new FairframeError('bad-config', `The map is ${map.width}×${map.height} but the image is ${image.width}×${image.height}; upsample the map to the model's input size before scoring it.`);
  }
  const steps = Math.floor(options.steps ?? 32);
  if (!(steps >= 1)) throw new FairframeError('bad-config', `Faithfulness curves need steps ≥ 1 (got ${options.steps}).`);
  const callsBefore = runner.calls;
  const deletion = await curve(runner, image, map, true, options.deletionBaseline ?? 'black', steps, options.signal);
  const insertion = await curve(runner, image, map, false, options.insertionBaseline ?? 'blur', steps, options.signal);
  return { classIndex: map.classIndex, method: map.method, deletion, insertion, modelCalls: runner.calls - callsBefore };
}

/**
 * The same curves for a seeded random pixel order: the chance level a map's AUCs are read against. When a model's
 * P(class) collapses as soon as any pixels are replaced (the baseline itself is out of distribution), every map's
 * deletion AUC sits at this level and deletion says nothing about the map.
 */
export async function randomOrderFaithfulness(runner: ModelRunner, image: ExplainImage, classIndex: number, options: FaithfulnessOptions & { seed?: number } = {}): Promise<FaithfulnessResult> {
  const random = mulberry32(options.seed ?? 1);
  const data = Float32Array.from({ length: image.width * image.height }, () => random());
  return faithfulness(runner, image, { method: 'occlusion', classIndex, width: image.width, height: image.height, data, params: { order: 'random' }, modelCalls: 0 }, options);
}

/** Ranks 1…n with ties given the average of the ranks they span (as scipy.stats.rankdata 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * Spearman's ρ = the Pearson correlation of the average ranks (scipy.stats.spearmanr). NaN when either map is constant
 * (or has fewer than 2 values), where the correlation is undefined; NaN values are not allowed.
 */
export function spearmanRankCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`spearmanRankCorrelation: maps of ${a.length} and ${b.length} values.`);
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]) || Number.isNaN(b[i])) throw new RangeError('spearmanRankCorrelation: the maps contain NaN.');
  const n = a.length;
  if (n < 2) return Number.NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? Number.NaN : sab / Math.sqrt(saa * sbb);
}
