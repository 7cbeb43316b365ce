// Image properties by class and by group: a property that differs between classes is a shortcut
// a model can learn instead of the content; one that differs between groups is a hidden
// difference in how each group was photographed.
import { plainRecord } from '../dictionary';
import { mean } from '../stats/effectSize';
import { UNKNOWN, type DatasetRecord, type Finding, type ImageFacts } from '../types';
import { pushFinding, type CheckContext, type CheckOutput, type DatasetCheck, type RuleInfo } from './check';

const PROPERTY_GAP_GROUP: RuleInfo = {
  id: 'FF-D007',
  name: 'property-gap-group',
  description: 'An image property (brightness, size, sharpness, ...) differs between the groups of a sensitive attribute by at least `minEffectSize` standard deviations.',
  defaultSeverity: 'warning',
};
const PROPERTY_GAP_CLASS: RuleInfo = {
  id: 'FF-D008',
  name: 'property-gap-class',
  description: 'An image property differs between classes by at least `minEffectSize` standard deviations: a shortcut a model can learn.',
  defaultSeverity: 'warning',
};
const PROPERTY_MIX: RuleInfo = {
  id: 'FF-D009',
  name: 'property-mix',
  description: 'The mix of file formats or of greyscale images differs between classes or groups by at least 50 percentage points.',
  defaultSeverity: 'warning',
};

/** Share difference (absolute) of a format or greyscale value between one class/group and the rest at which FF-D009 fires. */
const MIN_SHARE_DIFFERENCE = 0.5;

interface NumericProperty {
  key: 'width' | 'height' | 'aspect' | 'bytes' | 'brightness' | 'contrast' | 'saturation' | 'sharpness';
  noun: string;
  lower: string;
  higher: string;
  read: (facts: ImageFacts) => number;
  format: (value: number) => string;
  /** Applied before the effect size, for heavy-tailed properties. */
  transform?: { name: string; apply: (value: number) => number };
}

const NUMERIC_PROPERTIES: NumericProperty[] = [
  { key: 'width', noun: 'width', lower: 'are narrower', higher: 'are wider', read: (f) => f.width, format: (v) => `${v.toFixed(1)} px` },
  { key: 'height', noun: 'height', lower: 'are shorter', higher: 'are taller', read: (f) => f.height, format: (v) => `${v.toFixed(1)} px` },
  {
    key: 'aspect', noun: 'aspect ratio (width/height)', lower: 'are narrower in shape', higher: 'are wider in shape',
    read: (f) => (f.height > 0 ? f.width / f.height : Number.NaN), format: (v) => v.toFixed(2),
  },
  { key: 'bytes', noun: 'file size', lower: 'have smaller files', higher: 'have larger files', read: (f) => f.bytes, format: formatBytes },
  { key: 'brightness', noun: 'brightness', lower: 'are darker', higher: 'are brighter', read: (f) => f.brightness, format: (v) => v.toFixed(1) },
  { key: 'contrast', noun: 'contrast', lower: 'have lower contrast', higher: 'have higher contrast', read: (f) => f.contrast, format: (v) => v.toFixed(1) },
  { key: 'saturation', noun: 'saturation', lower: 'are less saturated', higher: 'are more saturated', read: (f) => f.saturation, format: (v) => v.toFixed(3) },
  {
    key: 'sharpness', noun: 'sharpness', lower: 'are blurrier', higher: 'are sharper', read: (f) => f.sharpness, format: (v) => v.toFixed(1),
    // Laplacian variance is heavy-tailed: the effect size is computed on log(1 + sharpness).
    transform: { name: 'log1p', apply: Math.log1p },
  },
];

interface CategoricalProperty {
  key: 'format' | 'greyscale';
  noun: string;
  read: (facts: ImageFacts) => string;
}

const CATEGORICAL_PROPERTIES: CategoricalProperty[] = [
  { key: 'format', noun: 'file format', read: (f) => f.format.toUpperCase() },
  { key: 'greyscale', noun: 'greyscale/colour mix', read: (f) => (f.greyscale ? 'greyscale' : 'colour') },
];

/** Per-image properties compared across classes and groups by standardised mean difference and by format mix. */
export const imagePropertiesCheck: DatasetCheck = {
  name: 'image-properties',
  description: 'Compares image size, file size, brightness, contrast, saturation, sharpness, format and greyscale share across classes and groups.',
  rules: [PROPERTY_GAP_GROUP, PROPERTY_GAP_CLASS, PROPERTY_MIX],
  thresholds: ['minEffectSize', 'minGroupSize'],
  needsScan: true,
  run: runImagePropertiesCheck,
};

/** Bins of the per-group histograms in the summary. */
export const HISTOGRAM_BINS = 20;
/** Partitions with more groups than this get no histograms (the summary stays small for many-class datasets). */
export const HISTOGRAM_MAX_GROUPS = 50;

/** One property's distribution: shared bin edges and, per partition and group, the image count in each bin. */
export interface PropertyHistogram {
  /** 'log1p' when the edges are on log(1 + value) (heavy-tailed properties). */
  scale: 'linear' | 'log1p';
  /** HISTOGRAM_BINS + 1 increasing edges over the finite values of every scanned image; bins are [e_i, e_i+1), the last closed. */
  edges: number[];
  /** Partition ('label' or an attribute) → group → counts per bin. */
  counts: Record<string, Record<string, number[]>>;
}

/** Equal-width bins over [min, max] of `values` (one bin around a constant); NaN values are left out. */
export function histogramEdges(values: readonly number[], bins = HISTOGRAM_BINS): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [];
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
}

/** Counts of `values` in the bins of `edges` ([e_i, e_i+1), the last bin closed); non-finite values are not counted. */
export function histogramCounts(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(Math.max(0, bins)).fill(0);
  if (bins <= 0) return counts;
  const lo = edges[0];
  const width = (edges[bins] - lo) / bins;
  for (const v of values) {
    if (!Number.isFinite(v) || v < lo || v > edges[bins]) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return counts;
}

/** Descriptive statistics of one property over a set of images. */
export interface PropertyStats {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single image. */
  sd: number;
  median: number;
  min: number;
  max: number;
}

/** A partition of the images: by class, or by the values of one attribute. */
interface Partition {
  /** 'label' for classes, else the attribute name. */
  name: string;
  isClass: boolean;
  groups: Map<string, number[]>;
}

interface Item {
  record: DatasetRecord;
  facts: ImageFacts;
}

function runImagePropertiesCheck(context: CheckContext): CheckOutput {
  const { dataset, scans, config } = context;
  const { minEffectSize, minGroupSize } = config.thresholds;
  const items: Item[] = [];
  for (const record of dataset.records) {
    const outcome = scans.get(record.id);
    if (outcome?.ok) items.push({ record, facts: outcome.facts });
  }
  const values = new Map(NUMERIC_PROPERTIES.map((p) => [p.key, items.map((item) => p.read(item.facts))]));
  const categories = new Map(CATEGORICAL_PROPERTIES.map((p) => [p.key, items.map((item) => p.read(item.facts))]));

  const partitions: Partition[] = [
    { name: 'label', isClass: true, groups: groupItems(items, (r) => r.label, false) },
    ...dataset.attributes.map((attribute) => ({
      name: attribute.name,
      isClass: false,
      groups: groupItems(items, (r) => r.attributes[attribute.name], true),
    })),
  ];

  const findings: Finding[] = [];
  const location = { file: dataset.manifest ?? dataset.root };
  const describe = (partition: Partition): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.create(null);
    for (const [group, indices] of partition.groups) {
      const stats: Record<string, unknown> = { n: indices.length };
      for (const p of NUMERIC_PROPERTIES) stats[p.key] = describeValues(indices.map((i) => values.get(p.key)![i]));
      for (const p of CATEGORICAL_PROPERTIES) stats[p.key] = shares(indices.map((i) => categories.get(p.key)![i]));
      out[group] = stats;
    }
    return plainRecord(out);
  };

  // Distributions by class and group on shared edges, so that groups can be compared bin by bin.
  const histograms = (): Record<string, PropertyHistogram> => Object.fromEntries(NUMERIC_PROPERTIES.map((p) => {
    const raw = values.get(p.key)!;
    const scaled = p.transform ? raw.map(p.transform.apply) : raw;
    const edges = histogramEdges(scaled);
    const counts: PropertyHistogram['counts'] = {};
    for (const partition of partitions) {
      if (partition.groups.size > HISTOGRAM_MAX_GROUPS) continue;
      counts[partition.name] = Object.fromEntries([...partition.groups].map(([group, indices]) => [group, histogramCounts(indices.map((i) => scaled[i]), edges)]));
    }
    const histogram: PropertyHistogram = { scale: p.transform ? 'log1p' : 'linear', edges, counts };
    return [p.key, histogram];
  }));

  for (const partition of partitions) {
    if (partition.groups.size < 2) continue;
    const rule = partition.isClass ? PROPERTY_GAP_CLASS : PROPERTY_GAP_GROUP;
    const known = knownIndices(partition);
    const groupNames = [...partition.groups.keys()];
    const groupOf = new Int32Array(items.length).fill(-1);
    groupNames.forEach((group, g) => {
      for (const i of partition.groups.get(group)!) groupOf[i] = g;
    });
    // Only groups with enough images on both sides are compared.
    const comparable = groupNames.map((group) => {
      const n = partition.groups.get(group)!.length;
      return n >= minGroupSize && known.length - n >= minGroupSize;
    });
    for (const property of NUMERIC_PROPERTIES) {
      const all = values.get(property.key)!;
      const transform = property.transform?.apply ?? ((v: number) => v);
      const finiteOf = (indices: readonly number[]): number[] => indices.map((i) => all[i]).filter(Number.isFinite);
      const groupValues = groupNames.map((group) => finiteOf(partition.groups.get(group)!));
      const smds = smdAgainstRest(groupValues.map((v) => v.map(transform)));
      const gaps = groupNames.map((group, g) => ({ group, n: groupValues[g].length, mean: mean(groupValues[g]), smd: smds[g], eligible: comparable[g] && !Number.isNaN(smds[g]) }));
      const extreme = gaps.filter((g) => g.eligible).sort((x, y) => Math.abs(y.smd) - Math.abs(x.smd))[0];
      if (!extreme || Math.abs(extreme.smd) < minEffectSize) continue;
      const extremeIndex = groupNames.indexOf(extreme.group);
      const a = groupValues[extremeIndex];
      const b = finiteOf(known.filter((i) => groupOf[i] !== extremeIndex));
      const meanGroup = mean(a);
      const meanRest = mean(b);
      const direction = extreme.smd < 0 ? property.lower : property.higher;
      const effect = Number.isFinite(extreme.smd)
        ? `standardised mean difference${property.transform ? ` of log(1 + ${property.noun})` : ''} ${formatSigned(extreme.smd)}`
        : `all images differ: the ${property.noun} is constant on each side`;
      const subject = partition.isClass ? `Images of class '${extreme.group}'` : `Images with ${partition.name} '${extreme.group}'`;
      const others = partition.isClass ? 'the other classes' : `the other ${partition.name} groups`;
      pushFinding(findings, config, rule, {
        message: `${subject} ${direction}: mean ${property.noun} ${property.format(meanGroup)} vs ${property.format(meanRest)} for ${others} (${effect}).` +
          (partition.isClass ? ` A model can use ${property.noun} as a shortcut for the class.` : ''),
        location,
        evidence: {
          partition: partition.name,
          group: extreme.group,
          property: property.key,
          standardisedMeanDifference: jsonNumber(extreme.smd),
          effectSizeOn: property.transform ? `${property.transform.name}(${property.key})` : property.key,
          groupStats: describeValues(a),
          restStats: describeValues(b),
          minEffectSize,
          allGroups: Object.fromEntries(gaps.map((g) => [g.group, {
            n: g.n,
            mean: g.mean,
            standardisedMeanDifference: g.eligible ? jsonNumber(g.smd) : null,
          }])),
        },
        suggestion: partition.isClass
          ? `Check how the images of each class were collected; balance the ${property.noun} across classes (e.g. collect more varied images, or normalise it in preprocessing) and test the model on images where it does not track the class.`
          : `Check how the images of each ${partition.name} group were collected; compare the model's accuracy per group and, if it differs, collect more varied images or normalise the ${property.noun} in preprocessing.`,
      });
    }

    for (const property of CATEGORICAL_PROPERTIES) {
      const all = categories.get(property.key)!;
      // Shares from counts: the rest's count of a value is the total count minus the group's.
      const totals = countValues(known.map((i) => all[i]));
      let best: { group: string; value: string; shareGroup: number; shareRest: number; n: number; nRest: number } | undefined;
      groupNames.forEach((group, g) => {
        if (!comparable[g]) return;
        const indices = partition.groups.get(group)!;
        const counts = countValues(indices.map((i) => all[i]));
        const nRest = known.length - indices.length;
        for (const [value, total] of totals) {
          const inGroup = counts.get(value) ?? 0;
          const shareGroup = inGroup / indices.length;
          const shareRest = (total - inGroup) / nRest;
          if (!best || Math.abs(shareGroup - shareRest) > Math.abs(best.shareGroup - best.shareRest)) {
            best = { group, value, shareGroup, shareRest, n: indices.length, nRest };
          }
        }
      });
      if (!best || Math.abs(best.shareGroup - best.shareRest) < MIN_SHARE_DIFFERENCE) continue;
      const subject = partition.isClass ? `images of class '${best.group}'` : `images with ${partition.name} '${best.group}'`;
      const others = partition.isClass ? 'the other classes' : `the other ${partition.name} groups`;
      pushFinding(findings, config, PROPERTY_MIX, {
        message: `${percent(best.shareGroup)} of the ${best.n} ${subject} are ${best.value}, against ${percent(best.shareRest)} of the ${best.nRest} images of ${others}.` +
          (partition.isClass ? ` A model can use the ${property.noun} as a shortcut for the class.` : ''),
        location,
        evidence: {
          partition: partition.name,
          group: best.group,
          property: property.key,
          value: best.value,
          shareGroup: best.shareGroup,
          shareRest: best.shareRest,
          n: best.n,
          nRest: best.nRest,
          shares: Object.fromEntries([...partition.groups].map(([group, indices]) => [group, shares(indices.map((i) => all[i]))])),
        },
        suggestion: `Convert the images to one ${property.key === 'format' ? 'format' : 'colour mode'} in preprocessing (or in a copy of the dataset), so the ${property.noun} cannot stand in for the ${partition.isClass ? 'class' : `${partition.name} group`}.`,
      });
    }
  }

  return {
    findings,
    summary: {
      images: items.length,
      notScanned: dataset.records.length - items.length,
      effectSize: "Cohen's d with pooled SD, each class or group against the rest of the known values; sharpness on log(1 + sharpness) as it is heavy-tailed.",
      overall: Object.fromEntries(NUMERIC_PROPERTIES.map((p) => [p.key, describeValues(values.get(p.key)!.filter(Number.isFinite))])),
      overallMix: Object.fromEntries(CATEGORICAL_PROPERTIES.map((p) => [p.key, shares(categories.get(p.key)!)])),
      byClass: describe(partitions[0]),
      byAttribute: Object.fromEntries(partitions.slice(1).map((p) => [p.name, describe(p)])),
      histograms: histograms(),
    },
  };
}

/**
 * For each group, Cohen's d with pooled SD of the group against all other groups together — the same
 * definition and conventions as `standardisedMeanDifference` (NaN when a side is empty or n < 3; 0 or
 * ±Infinity when both sides are constant) — in O(total) rather than O(groups × total): the rest's sum of
 * squares follows from SS_total = SS_a + SS_b + n_a·n_b/n·(x̄_a − x̄_b)² (Chan, Golub & LeVeque 1979),
 * and a constant side is detected exactly from its minimum and maximum.
 */
export function smdAgainstRest(groups: readonly (readonly number[])[]): number[] {
  const stats = groups.map((values) => {
    const centre = values.length > 0 ? mean(values) : 0;
    let ss = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      ss += (v - centre) ** 2;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // A constant side has exactly its value as mean and no spread.
    return min === max ? { n: values.length, mean: min, ss: 0, min, max } : { n: values.length, mean: centre, ss, min, max };
  });
  const total = stats.reduce((sum, s) => sum + s.n, 0);
  const totalMean = total > 0 ? stats.reduce((sum, s) => sum + s.n * s.mean, 0) / total : 0;
  let totalSs = 0;
  for (const values of groups) for (const v of values) totalSs += (v - totalMean) ** 2;
  // Prefix and suffix minima/maxima give each group's rest range in O(1).
  const k = stats.length;
  const prefixMin = [Number.POSITIVE_INFINITY];
  const prefixMax = [Number.NEGATIVE_INFINITY];
  for (let g = 0; g < k; g++) {
    prefixMin.push(Math.min(prefixMin[g], stats[g].min));
    prefixMax.push(Math.max(prefixMax[g], stats[g].max));
  }
  const suffixMin = new Array<number>(k + 1).fill(Number.POSITIVE_INFINITY);
  const suffixMax = new Array<number>(k + 1).fill(Number.NEGATIVE_INFINITY);
  for (let g = k - 1; g >= 0; g--) {
    suffixMin[g] = Math.min(suffixMin[g + 1], stats[g].min);
    suffixMax[g] = Math.max(suffixMax[g + 1], stats[g].max);
  }

  return stats.map((a, g) => {
    const nb = total - a.n;
    if (a.n === 0 || nb === 0 || total < 3) return Number.NaN;
    const restMin = Math.min(prefixMin[g], suffixMin[g + 1]);
    const restMax = Math.max(prefixMax[g], suffixMax[g + 1]);
    const restConstant = restMin === restMax;
    const meanB = restConstant ? restMin : totalMean + (a.n * (totalMean - a.mean)) / nb;
    const ssB = restConstant ? 0 : Math.max(0, totalSs - a.ss - ((a.n * nb) / total) * (a.mean - meanB) ** 2);
    const difference = a.mean - meanB;
    if (a.ss === 0 && ssB === 0) return difference === 0 ? 0 : Math.sign(difference) * Number.POSITIVE_INFINITY;
    const pooledSd = Math.sqrt((a.ss + ssB) / (total - 2));
    const scale = Math.max(Math.abs(a.mean), Math.abs(meanB));
    if (pooledSd <= scale * 4 * Number.EPSILON) {
      if (Math.abs(difference) <= scale * 4 * Number.EPSILON) return 0;
      return difference > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    }
    return difference / pooledSd;
  });
}

/** Item indices grouped by a record's value, leaving out missing values (and 'unknown' attribute values; a class may be called 'unknown'). */
function groupItems(items: Item[], key: (record: DatasetRecord) => string | undefined, skipUnknown: boolean): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const value = key(item.record);
    if (value === undefined || value === '' || (skipUnknown && value === UNKNOWN)) return;
    const group = groups.get(value);
    if (group) group.push(i);
    else groups.set(value, [i]);
  });
  return groups;
}

function knownIndices(partition: Partition): number[] {
  return [...partition.groups.values()].flat();
}

/** n, mean, sample SD (n − 1), median, min and max; NaN statistics (JSON null) for no values. */
export function describeValues(values: readonly number[]): PropertyStats {
  const n = values.length;
  if (n === 0) return { n: 0, mean: Number.NaN, sd: Number.NaN, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const centre = mean(sorted);
  const variance = n > 1 ? sorted.reduce((sum, v) => sum + (v - centre) ** 2, 0) / (n - 1) : 0;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { n, mean: centre, sd: Math.sqrt(variance), median, min: sorted[0], max: sorted[n - 1] };
}

function countValues(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Share of each value, in order of first appearance. */
function shares(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.create(null);
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  for (const value of Object.keys(counts)) counts[value] /= values.length;
  return plainRecord(counts);
}

/** A number for JSON: finite numbers as they are, infinities as 'Infinity'/'-Infinity' (JSON has none). */
function jsonNumber(value: number): number | string {
  return Number.isFinite(value) || Number.isNaN(value) ? value : String(value);
}

/** Two decimals with a true minus sign. */
function formatSigned(value: number): string {
  return value.toFixed(2).replace('-', '−');
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(2)} MB`;
}
