// Reweighing (Kamiran & Calders 2012): per-record weights that make label and group independent in the weighted data.
import { plainRecord } from '../dictionary';
import { FairframeError } from '../errors';
import { attributeValue, compareValues } from '../stats/tally';
import type { Dataset } from '../types';

/** One (group, label) cell with its weight. */
export interface ReweighingCell {
  /** The group's value of each attribute. */
  group: Record<string, string>;
  /** The group's values joined with ' × ' (display only). */
  groupKey: string;
  label: string;
  /** n_{g,y}: records in the cell. */
  count: number;
  /** n_g and n_y: records in the group and with the label. */
  groupCount: number;
  labelCount: number;
  /** n_g · n_y / n: the cell's count if label and group were independent; the cell's weights sum to this. */
  expected: number;
  /** w(g, y) = P(g)·P(y) / P(g, y) = n_g · n_y / (n · n_{g,y}). */
  weight: number;
}

/** Everything the reweighing computes for one dataset. */
export interface ReweighingResult {
  method: 'reweighing';
  /** The attributes whose intersection defines the groups (UNKNOWN is a group value like any other). */
  attributes: string[];
  n: number;
  groups: Array<{ group: Record<string, string>; groupKey: string; count: number }>;
  labels: Array<{ label: string; count: number; classWeight: number }>;
  cells: ReweighingCell[];
  /** Balanced class weights n / (K · n_c) (as sklearn's class_weight='balanced'). */
  classWeights: Record<string, number>;
  /** Weight of each record, aligned with `dataset.records`. */
  recordWeights: number[];
}

/**
 * Kamiran & Calders (2012, "Data preprocessing techniques for classification without discrimination", §4.3) reweighing:
 * w(g, y) = n_g · n_y / (n · n_{g,y}) for the group g formed by `attributes` (their intersection when several) and label y.
 * Throws 'bad-config' when an attribute is not in the dataset.
 */
export function computeReweighing(dataset: Dataset, attributes: string[]): ReweighingResult {
  const known = new Set(dataset.attributes.map((attribute) => attribute.name));
  const missing = attributes.filter((name) => !known.has(name) && !dataset.records.some((record) => name in record.attributes));
  if (missing.length > 0) {
    throw new FairframeError(
      'bad-config',
      `Dataset '${dataset.name}' has no attribute ${missing.map((name) => `'${name}'`).join(', ')}; ` +
        `its attributes are ${dataset.attributes.map((attribute) => `'${attribute.name}'`).join(', ') || 'none'}. Name one of them, or declare it under "attributes" in fairframe.json.`,
      { dataset: dataset.name, missing },
    );
  }

  const n = dataset.records.length;
  const groupOf = dataset.records.map((record) => attributes.map((name) => attributeValue(record, name)));
  const groupKeys = groupOf.map((values) => JSON.stringify(values));
  const groupCounts = new Map<string, number>();
  const labelCounts = new Map<string, number>();
  const cellCounts = new Map<string, number>();
  const cellKey = (group: string, label: string): string => `${group}\u0000${label}`;
  dataset.records.forEach((record, index) => {
    const group = groupKeys[index];
    groupCounts.set(group, (groupCounts.get(group) ?? 0) + 1);
    labelCounts.set(record.label, (labelCounts.get(record.label) ?? 0) + 1);
    const key = cellKey(group, record.label);
    cellCounts.set(key, (cellCounts.get(key) ?? 0) + 1);
  });

  const weightOf = (group: string, label: string): number =>
    ((groupCounts.get(group) ?? 0) * (labelCounts.get(label) ?? 0)) / (n * (cellCounts.get(cellKey(group, label)) ?? 0));

  const toGroup = (key: string): Record<string, string> => {
    const values = JSON.parse(key) as string[];
    return Object.fromEntries(attributes.map((name, i) => [name, values[i]]));
  };
  const display = (key: string): string => (JSON.parse(key) as string[]).join(' × ');
  const compareGroups = (a: string, b: string): number => {
    const left = JSON.parse(a) as string[];
    const right = JSON.parse(b) as string[];
    for (let i = 0; i < left.length; i++) {
      const order = compareValues(left[i], right[i]);
      if (order !== 0) return order;
    }
    return 0;
  };

  const groupKeysSorted = [...groupCounts.keys()].sort(compareGroups);
  const labelsSorted = [...labelCounts.keys()].sort(compareValues);
  const classWeights: Record<string, number> = Object.create(null);
  for (const label of labelsSorted) classWeights[label] = n / (labelsSorted.length * (labelCounts.get(label) ?? 1));

  const cells: ReweighingCell[] = [];
  for (const group of groupKeysSorted) {
    for (const label of labelsSorted) {
      const count = cellCounts.get(cellKey(group, label)) ?? 0;
      if (count === 0) continue;
      const groupCount = groupCounts.get(group) ?? 0;
      const labelCount = labelCounts.get(label) ?? 0;
      cells.push({ group: toGroup(group), groupKey: display(group), label, count, groupCount, labelCount, expected: (groupCount * labelCount) / n, weight: weightOf(group, label) });
    }
  }

  return {
    method: 'reweighing',
    attributes: [...attributes],
    n,
    groups: groupKeysSorted.map((key) => ({ group: toGroup(key), groupKey: display(key), count: groupCounts.get(key) ?? 0 })),
    labels: labelsSorted.map((label) => ({ label, count: labelCounts.get(label) ?? 0, classWeight: classWeights[label] })),
    cells,
    classWeights: plainRecord(classWeights),
    recordWeights: dataset.records.map((record, index) => weightOf(groupKeys[index], record.label)),
  };
}

/** Quotes a CSV field when it holds a comma, quote, line break or edge whitespace (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Per-record weights as CSV: path (relative to the dataset root), label, each attribute, weight. */
export function reweighingToCsv(result: ReweighingResult, dataset: Dataset): string {
  if (result.recordWeights.length !== dataset.records.length) {
    throw new FairframeError('internal', `The reweighing result has ${result.recordWeights.length} weights but dataset '${dataset.name}' has ${dataset.records.length} records; compute it on this dataset.`);
  }
  const lines = [['path', 'label', ...result.attributes, 'weight'].map(csvField).join(',')];
  dataset.records.forEach((record, index) => {
    const fields = [record.relPath, record.label, ...result.attributes.map((name) => attributeValue(record, name)), String(result.recordWeights[index])];
    lines.push(fields.map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** The cells (counts and weights), groups, labels and class weights as JSON; per-record weights are in the CSV. */
export function reweighingToJson(result: ReweighingResult): string {
  const { method, attributes, n, groups, labels, cells, classWeights } = result;
  return `${JSON.stringify(
    {
      method,
      attributes,
      n,
      groups,
      labels,
      cells,
      classWeights,
      reference: 'Kamiran, F. & Calders, T. (2012). Data preprocessing techniques for classification without discrimination. Knowledge and Information Systems 33(1), 1–33.',
      formula: 'w(g, y) = n_g · n_y / (n · n_{g,y})',
    },
    null,
    2,
  )}\n`;
}
