// Which records a model is audited on (the split), and how their labels map onto the model's outputs.
import { plainRecord } from '../dictionary';
import { FairframeError } from '../errors';
import type { DatasetRecord } from '../types';

/** Splits audited by default, in order of preference: held-out data first. */
const HELD_OUT_SPLITS = ['test', 'testing', 'validation', 'valid', 'val', 'dev', 'holdout', 'eval'];

/** The split to audit: the one asked for, else the first held-out split present, else every record (undefined). */
export function chooseSplit(records: readonly DatasetRecord[], requested?: string): string | undefined {
  const present = new Set(records.map((record) => record.split).filter((split): split is string => split !== undefined));
  if (requested !== undefined) {
    if (requested === 'all' || requested === '*') return undefined;
    if (!present.has(requested)) {
      const known = [...present].sort();
      throw new FairframeError('bad-config',
        `The split '${requested}' does not occur in the dataset${known.length ? ` (its splits: ${known.map((s) => `'${s}'`).join(', ')})` : ' (it has no split column or folders)'}; pass one of those, or 'all'.`,
        { split: requested, splits: known });
    }
    return requested;
  }
  const lower = new Map([...present].map((split) => [split.toLowerCase(), split]));
  for (const name of HELD_OUT_SPLITS) {
    const split = lower.get(name);
    if (split !== undefined) return split;
  }
  return undefined;
}

/** The outcome of matching dataset labels to model labels. */
export interface LabelMatch {
  /** Dataset label → model output index. */
  index: Map<string, number>;
  /** The class name used in reports for each model output: the dataset's spelling when mapped. */
  classNames: string[];
  /** Dataset labels the model does not predict, with their record counts. */
  unknown: Record<string, number>;
  /** Model labels no audited record carries. */
  absent: string[];
  /** labelMap entries (model label → dataset label) for names that differ only in case or spaces; never applied silently. */
  suggestedLabelMap: Record<string, string>;
}

/**
 * Matches the labels of the audited records to the model's labels, after `labelMap` (model label → dataset label).
 * Throws 'model-labels' when at most half the records carry a label the model knows: the model and the dataset
 * do not belong together, and the message names both sides.
 */
export function matchLabels(modelLabels: readonly string[], records: readonly DatasetRecord[], labelMap: Record<string, string> = {}, modelName = 'the model'): LabelMatch {
  const classNames = modelLabels.map((label) => (Object.hasOwn(labelMap, label) ? labelMap[label] : label));
  const index = new Map<string, number>();
  classNames.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.label, (counts.get(record.label) ?? 0) + 1);
  const unknown: Record<string, number> = Object.create(null);
  let matched = 0;
  for (const [label, count] of counts) {
    if (index.has(label)) matched += count;
    else unknown[label] = count;
  }
  const absent = classNames.filter((name) => !counts.has(name));
  const normalise = (label: string): string => label.trim().replace(/\s+/g, ' ').toLowerCase();
  const suggestedLabelMap: Record<string, string> = Object.create(null);
  for (const label of Object.keys(unknown)) {
    const i = classNames.findIndex((name) => absent.includes(name) && normalise(name) === normalise(label));
    if (i >= 0) suggestedLabelMap[modelLabels[i]] = label;
  }
  const fix = Object.keys(suggestedLabelMap).length > 0
    ? `Some names differ only in case or spaces, which are not merged silently: add "labelMap": ${JSON.stringify(suggestedLabelMap)} to the model's entry in fairframe.json.`
    : "Give the model's labels in order under models[].labels in fairframe.json or map them with models[].labelMap.";
  if (records.length > 0 && matched * 2 <= records.length) {
    const datasetSide = [...counts.keys()].sort();
    throw new FairframeError('model-labels',
      `The labels of ${modelName} do not match the dataset's: the model predicts ${listNames(classNames)}, the dataset's labels are ${listNames(datasetSide)} ` +
        `(${matched} of ${records.length} images match). ${fix}`,
      { modelLabels: classNames, datasetLabels: datasetSide, suggestedLabelMap: plainRecord(suggestedLabelMap) });
  }
  return { index, classNames, unknown: plainRecord(unknown), absent, suggestedLabelMap: plainRecord(suggestedLabelMap) };
}

function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map((name) => `'${name}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
