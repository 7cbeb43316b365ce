// Explanations inside the model audit: the most confident errors of each group explained (with faithfulness and the
// randomisation sanity check), mean saliency maps per class × group, and — when the manifest has a mask column — the share
// of saliency that falls on the object of interest in each group ("on type V the model looks at the skin, not the lesion").
import type { Thresholds } from '../config/configTypes';
import { throwIfAborted } from '../errors';
import type { Explainer, Explanation } from '../explain/explainer';
import type { Heatmap } from '../explain/explainTypes';
import { percentileInterval, type ConfidenceInterval } from '../metrics/bootstrap';
import { ciExcludesNoGap } from '../metrics/bootstrap';
import { mulberry32 } from '../metrics/seededRandom';
import { decodeForModel } from '../model/preprocess';
import type { ModelSpec, Prediction } from '../model/modelTypes';
import type { DatasetRecord } from '../types';

/** Side of the downsampled maps stored in the result. */
const STORED_MAP_SIZE = 16;
/** Explained errors given the sanity check (it doubles their cost). */
const SANITY_IMAGES = 4;

/** A small normalised map for the result (values in [0, 1], 3 decimals). */
export interface StoredMap {
  width: number;
  height: number;
  data: number[];
}

/** One explained image. */
export interface ExplainedError {
  relPath: string;
  label: string;
  predicted: string;
  confidence: number;
  /** The groups it was chosen for: its attribute values where it is among the most confident errors. */
  groups: Array<{ attribute: string; group: string }>;
  method: string;
  fallbackFrom?: string;
  deletionAuc?: number;
  insertionAuc?: number;
  /** The AUCs of a random pixel order on this image (chance level). */
  randomDeletionAuc?: number;
  randomInsertionAuc?: number;
  sanitySpearman?: number | null;
  map: StoredMap;
  /** Path of an overlay PNG relative to the report folder, when the reports were written with one. */
  overlay?: string;
}

/** Mask share by group for one attribute. */
export interface MaskShareReport {
  attribute: string;
  byGroup: Array<{ group: string; images: number } & ConfidenceInterval>;
  /** Highest minus lowest group mean, with the bootstrap interval of that difference. */
  gap: ConfidenceInterval & { higherGroup?: string; lowerGroup?: string };
  excludesNoGap: boolean;
}

/** What the audit stores about explanations. */
export interface AuditExplanations {
  method: string;
  errors: ExplainedError[];
  /** Means over the explained images, and the same means for a random pixel order (chance level). */
  faithfulness?: { images: number; meanDeletionAuc: number; meanInsertionAuc: number; meanRandomDeletionAuc: number; meanRandomInsertionAuc: number };
  sanity?: { images: number; meanSpearman: number | null; passed: boolean | null };
  /** Mean normalised saliency per attribute × class × group. */
  meanMaps: Array<{ attribute: string; class: string; group: string; images: number; map: StoredMap }>;
  maskShare: MaskShareReport[];
  /** Why some part was not computed. */
  notes: string[];
}

/** The audited images with what the model said, as the model audit has them. */
export interface ExplainSample {
  records: DatasetRecord[];
  predictions: Prediction[];
  /** Model output index of each record's label. */
  yTrue: number[];
  classNames: string[];
  attributes: string[];
}

/** Positive part of a map, normalised to sum 1 (all zero when it has no positive mass). */
function positiveMass(map: Heatmap): Float64Array {
  const out = new Float64Array(map.data.length);
  let sum = 0;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i] > 0 ? map.data[i] : 0;
    out[i] = v;
    sum += v;
  }
  if (sum > 0) for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Box-averages a width × height map to size × size. */
function downsample(values: ArrayLike<number>, width: number, height: number, size = STORED_MAP_SIZE): Float64Array {
  const out = new Float64Array(size * size);
  const count = new Float64Array(size * size);
  for (let y = 0; y < height; y++) {
    const oy = Math.min(size - 1, Math.floor((y * size) / height));
    for (let x = 0; x < width; x++) {
      const o = oy * size + Math.min(size - 1, Math.floor((x * size) / width));
      out[o] += values[y * width + x];
      count[o]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = count[i] > 0 ? out[i] / count[i] : 0;
  return out;
}

/** Rescales to [0, 1] and rounds, for storage. */
function stored(values: Float64Array, size = STORED_MAP_SIZE): StoredMap {
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  return { width: size, height: size, data: Array.from(values, (v) => (max > 0 ? Math.round((v / max) * 1000) / 1000 : 0)) };
}

/** The mask in the model's frame (same resize and crop as the image): 1 where the mask is set (≥ 128), else 0. */
export async function maskInModelFrame(file: string, spec: ModelSpec): Promise<Uint8Array> {
  const pre = { ...spec.preprocess, channels: 1 as const, mean: [0], std: [1] };
  const pixels = await decodeForModel(file, pre);
  const { width: W, height: H } = pre;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = y + pixels.top;
    if (sy < 0 || sy >= pixels.height) continue;
    for (let x = 0; x < W; x++) {
      const sx = x + pixels.left;
      if (sx >= 0 && sx < pixels.width && pixels.data[(sy * pixels.width + sx) * pixels.channels] >= 128) out[y * W + x] = 1;
    }
  }
  return out;
}

/** Share of a map's positive mass inside a mask of the same size: Σ m⁺·mask / Σ m⁺ (NaN without positive mass). */
export function maskShare(map: Heatmap, mask: Uint8Array): number {
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i] > 0 ? map.data[i] : 0;
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : Number.NaN;
}

/** Per-group means of per-image values with seeded percentile bootstrap intervals, and the interval of the largest gap. */
export function groupMeansWithGap(values: Map<string, number[]>, options: { replicates: number; level: number; seed: number; minImages: number }): { byGroup: MaskShareReport['byGroup']; gap: MaskShareReport['gap'] } {
  const random = mulberry32(options.seed);
  const groups = [...values.keys()].sort();
  const mean = (xs: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[i];
    return xs.length > 0 ? s / xs.length : Number.NaN;
  };
  const draws = new Map(groups.map((g) => [g, new Float64Array(options.replicates)]));
  for (const group of groups) {
    const xs = values.get(group) as number[];
    const out = draws.get(group) as Float64Array;
    for (let b = 0; b < options.replicates; b++) {
      let s = 0;
      for (let j = 0; j < xs.length; j++) s += xs[Math.floor(random() * xs.length)];
      out[b] = xs.length > 0 ? s / xs.length : Number.NaN;
    }
  }
  const byGroup = groups.map((group) => ({ group, images: values.get(group)?.length ?? 0, ...percentileInterval(mean(values.get(group) as number[]), draws.get(group) as Float64Array, options.level) }));
  const compared = byGroup.filter((g) => g.images >= options.minImages && g.estimate !== null);
  if (compared.length < 2) return { byGroup, gap: { ...percentileInterval(Number.NaN, [], options.level) } };
  const high = compared.reduce((a, b) => ((b.estimate as number) > (a.estimate as number) ? b : a));
  const low = compared.reduce((a, b) => ((b.estimate as number) < (a.estimate as number) ? b : a));
  const highDraws = draws.get(high.group) as Float64Array;
  const lowDraws = draws.get(low.group) as Float64Array;
  const gapDraws = highDraws.map((v, b) => v - lowDraws[b]);
  return { byGroup, gap: { ...percentileInterval((high.estimate as number) - (low.estimate as number), gapDraws, options.level), higherGroup: high.group, lowerGroup: low.group } };
}

/** A seeded shuffle of indices (Fisher–Yates), so the saliency sample does not depend on file order. */
function shuffled(count: number, seed: number): number[] {
  const random = mulberry32(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Explains the audit's images as configured by the thresholds (explainErrorsPerGroup, saliencyImagesPerCell). */
export async function explainAudit(explainer: Explainer, sample: ExplainSample, thresholds: Thresholds, signal?: AbortSignal): Promise<AuditExplanations> {
  const { records, predictions, yTrue, classNames, attributes } = sample;
  const method = 'gradcam';
  const notes: string[] = [];
  const result: AuditExplanations = { method, errors: [], meanMaps: [], maskShare: [], notes };
  const maps = new Map<number, Explanation>();
  const explain = async (i: number, classIndex: number, extra: { faithfulness?: boolean; sanity?: boolean } = {}): Promise<Explanation | undefined> => {
    throwIfAborted(signal);
    const cached = maps.get(i);
    if (cached && cached.classIndex === classIndex && (!extra.faithfulness || cached.faithfulness) && (!extra.sanity || cached.sanity)) return cached;
    try {
      const explanation = await explainer.explain(records[i].path, { method, classIndex, signal, ...extra });
      maps.set(i, explanation);
      return explanation;
    } catch (error) {
      notes.push(`'${records[i].relPath}' was not explained: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  // The most confident errors of each group, explained for the class the model chose.
  const perGroup = thresholds.explainErrorsPerGroup;
  if (perGroup > 0) {
    const chosen = new Map<number, Array<{ attribute: string; group: string }>>();
    for (const attribute of attributes) {
      const byGroup = new Map<string, number[]>();
      records.forEach((record, i) => {
        if ((predictions[i].top[0]?.[0] ?? -1) === yTrue[i]) return;
        const group = record.attributes[attribute];
        byGroup.set(group, [...(byGroup.get(group) ?? []), i]);
      });
      for (const [group, indices] of byGroup) {
        indices.sort((a, b) => (predictions[b].top[0]?.[1] ?? 0) - (predictions[a].top[0]?.[1] ?? 0) || a - b);
        for (const i of indices.slice(0, perGroup)) chosen.set(i, [...(chosen.get(i) ?? []), { attribute, group }]);
      }
    }
    if (attributes.length === 0) {
      const errors = records.map((_, i) => i).filter((i) => (predictions[i].top[0]?.[0] ?? -1) !== yTrue[i]);
      errors.sort((a, b) => (predictions[b].top[0]?.[1] ?? 0) - (predictions[a].top[0]?.[1] ?? 0) || a - b);
      for (const i of errors.slice(0, perGroup)) chosen.set(i, []);
    }
    let sanityLeft = SANITY_IMAGES;
    for (const [i, groups] of chosen) {
      const predicted = predictions[i].top[0]?.[0] ?? 0;
      const explanation = await explain(i, predicted, { faithfulness: true, sanity: sanityLeft-- > 0 });
      if (!explanation) continue;
      result.errors.push({
        relPath: records[i].relPath,
        label: records[i].label,
        predicted: classNames[predicted],
        confidence: predictions[i].top[0]?.[1] ?? 0,
        groups,
        method: explanation.method,
        fallbackFrom: explanation.fallbackFrom?.method,
        deletionAuc: explanation.faithfulness?.deletionAuc,
        insertionAuc: explanation.faithfulness?.insertionAuc,
        randomDeletionAuc: explanation.faithfulness?.randomDeletionAuc,
        randomInsertionAuc: explanation.faithfulness?.randomInsertionAuc,
        sanitySpearman: explanation.sanity?.spearman,
        map: stored(downsample(positiveMass(explanation.heatmap), explanation.heatmap.width, explanation.heatmap.height)),
      });
    }
    const withFaithfulness = result.errors.filter((e) => e.deletionAuc !== undefined);
    if (withFaithfulness.length > 0) {
      result.faithfulness = {
        images: withFaithfulness.length,
        meanDeletionAuc: withFaithfulness.reduce((s, e) => s + (e.deletionAuc as number), 0) / withFaithfulness.length,
        meanInsertionAuc: withFaithfulness.reduce((s, e) => s + (e.insertionAuc as number), 0) / withFaithfulness.length,
        meanRandomDeletionAuc: withFaithfulness.reduce((s, e) => s + (e.randomDeletionAuc ?? Number.NaN), 0) / withFaithfulness.length,
        meanRandomInsertionAuc: withFaithfulness.reduce((s, e) => s + (e.randomInsertionAuc ?? Number.NaN), 0) / withFaithfulness.length,
      };
    }
    const spearman = result.errors.map((e) => e.sanitySpearman).filter((v): v is number => typeof v === 'number');
    if (result.errors.some((e) => e.sanitySpearman !== undefined)) {
      const mean = spearman.length > 0 ? spearman.reduce((a, b) => a + b, 0) / spearman.length : null;
      result.sanity = { images: spearman.length, meanSpearman: mean, passed: mean === null ? null : mean < 0.5 };
    }
  }

  // Saliency by class × group for a seeded sample of each cell, explained for the image's own label.
  const perCell = thresholds.saliencyImagesPerCell;
  if (perCell > 0 && attributes.length > 0) {
    const order = shuffled(records.length, thresholds.bootstrapSeed);
    for (const attribute of attributes) {
      const cells = new Map<string, number[]>();
      for (const i of order) {
        const key = `${yTrue[i]}\u0000${records[i].attributes[attribute]}`;
        const cell = cells.get(key) ?? [];
        if (cell.length < perCell) cells.set(key, [...cell, i]);
      }
      const shares = new Map<string, number[]>();
      for (const [key, indices] of cells) {
        const [classText, group] = key.split('\u0000');
        const classIndex = Number(classText);
        let sum: Float64Array | undefined;
        let n = 0;
        for (const i of indices) {
          const explanation = await explain(i, classIndex);
          if (!explanation) continue;
          const { heatmap } = explanation;
          const small = downsample(positiveMass(heatmap), heatmap.width, heatmap.height);
          sum ??= new Float64Array(small.length);
          for (let k = 0; k < small.length; k++) sum[k] += small[k];
          n++;
          if (records[i].mask) {
            try {
              const share = maskShare(heatmap, await maskInModelFrame(records[i].mask as string, explainer.spec));
              if (Number.isFinite(share)) shares.set(group, [...(shares.get(group) ?? []), share]);
            } catch (error) {
              notes.push(`The mask of '${records[i].relPath}' could not be read: ${error instanceof Error ? error.message : String(error)}`);
            }
          }
        }
        if (sum && n > 0) result.meanMaps.push({ attribute, class: classNames[classIndex], group, images: n, map: stored(sum.map((v) => v / n)) });
      }
      if (shares.size > 0) {
        const { byGroup, gap } = groupMeansWithGap(shares, { replicates: thresholds.bootstrapReplicates, level: thresholds.confidenceLevel, seed: thresholds.bootstrapSeed, minImages: Math.min(5, perCell) });
        result.maskShare.push({ attribute, byGroup, gap, excludesNoGap: ciExcludesNoGap(gap, 'difference') });
      }
    }
  }
  return result;
}
