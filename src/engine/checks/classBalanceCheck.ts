// Class balance: how unevenly images are spread over the labels (FF-D001, FF-D002).
import { plainRecord } from '../dictionary';
import { maxOf, minOf } from '../arrays';
import { normalisedEntropy, shannonEntropy } from '../stats/entropy';
import { compareValues, datasetLocation, formatCount, formatNumber, formatPercent, tally } from '../stats/tally';
import type { DatasetRecord, Finding } from '../types';
import { UNKNOWN } from '../types';
import type { CheckContext, CheckOutput, DatasetCheck, RuleInfo } from './check';
import { pushFinding } from './check';

const CLASS_IMBALANCE: RuleInfo = {
  id: 'FF-D001',
  name: 'class-imbalance',
  description: 'The largest class has at least `imbalanceRatio` times as many images as the smallest.',
  defaultSeverity: 'warning',
};

const CLASS_TOO_SMALL: RuleInfo = {
  id: 'FF-D002',
  name: 'class-too-small',
  description: 'A class has fewer than `minClassCount` images.',
  defaultSeverity: 'warning',
};

/** Counts, shares and balance measures of one set of records. */
export interface ClassDistribution {
  total: number;
  classes: Array<{ label: string; count: number; share: number }>;
  /** max count / min count over the classes present (1 with a single class; undefined when empty). */
  imbalanceRatio?: number;
  majority?: string;
  minority?: string;
  /** Labels with no image here (only when the labels were given, e.g. a split missing a class). */
  absentClasses: string[];
  /** Shannon entropy of the label distribution, in bits. */
  entropyBits: number;
  /** H / ln K: 1 = perfectly balanced. */
  normalisedEntropy: number;
}

/** Class counts of `records` over `labels` (in that order; labels absent from the records count 0). */
export function classDistribution(records: readonly DatasetRecord[], labels?: readonly string[]): ClassDistribution {
  const counts = tally(records.map((record) => record.label));
  const order = labels ?? [...counts.keys()].sort(compareValues);
  const total = records.length;
  const classes = order.map((label) => {
    const count = counts.get(label) ?? 0;
    return { label, count, share: total > 0 ? count / total : 0 };
  });
  const present = classes.filter((entry) => entry.count > 0);
  let majority: (typeof classes)[number] | undefined;
  let minority: (typeof classes)[number] | undefined;
  for (const entry of present) {
    if (!majority || entry.count > majority.count) majority = entry;
    if (!minority || entry.count < minority.count) minority = entry;
  }
  const values = present.map((entry) => entry.count);
  return {
    total,
    classes,
    imbalanceRatio: majority && minority ? majority.count / minority.count : undefined,
    majority: majority?.label,
    minority: minority?.label,
    absentClasses: classes.filter((entry) => entry.count === 0).map((entry) => entry.label),
    entropyBits: shannonEntropy(values, 2),
    normalisedEntropy: normalisedEntropy(values),
  };
}

/** sklearn's 'balanced' class weights: w_c = n / (K · n_c) (sklearn.utils.class_weight.compute_class_weight). */
export function balancedClassWeights(counts: ReadonlyMap<string, number> | Record<string, number>): Record<string, number> {
  const entries = (counts instanceof Map ? [...counts.entries()] : Object.entries(counts)).filter(([, count]) => count > 0);
  const n = entries.reduce((sum, [, count]) => sum + count, 0);
  const weights: Record<string, number> = Object.create(null);
  for (const [label, count] of entries) weights[label] = n / (entries.length * count);
  return plainRecord(weights);
}

function resamplingPlan(classes: ClassDistribution['classes']): Record<string, unknown> {
  const present = classes.filter((entry) => entry.count > 0);
  if (present.length === 0) return {};
  const max = maxOf(present.map((entry) => entry.count));
  const min = minOf(present.map((entry) => entry.count));
  const extraDraws: Record<string, number> = Object.create(null);
  const drop: Record<string, number> = Object.create(null);
  for (const entry of present) {
    extraDraws[entry.label] = max - entry.count;
    drop[entry.label] = entry.count - min;
  }
  return {
    oversample: { description: 'Draw extra copies of each class, with replacement, until it matches the majority class.', targetPerClass: max, extraDraws: plainRecord(extraDraws), totalAfter: max * present.length },
    undersample: { description: 'Drop images of each class at random until it matches the minority class.', targetPerClass: min, drop: plainRecord(drop), totalAfter: min * present.length },
  };
}

function run(context: CheckContext): CheckOutput {
  const { dataset, config } = context;
  const { imbalanceRatio: ratioThreshold, minClassCount } = config.thresholds;
  const records = dataset.records;
  const overall = classDistribution(records);
  const labels = overall.classes.map((entry) => entry.label);
  const location = datasetLocation(dataset);
  const findings: Finding[] = [];

  const hasSplits = records.some((record) => record.split !== undefined && record.split !== '');
  const perSplit: Record<string, ClassDistribution> = Object.create(null);
  if (hasSplits) {
    const bySplit = new Map<string, DatasetRecord[]>();
    for (const record of records) {
      const split = record.split === undefined || record.split === '' ? UNKNOWN : record.split;
      const list = bySplit.get(split) ?? [];
      list.push(record);
      bySplit.set(split, list);
    }
    for (const split of [...bySplit.keys()].sort(compareValues)) perSplit[split] = classDistribution(bySplit.get(split) ?? [], labels);
  }

  const counts: Record<string, number> = Object.create(null);
  for (const entry of overall.classes) counts[entry.label] = entry.count;
  const classWeights = balancedClassWeights(counts);

  const ratio = overall.imbalanceRatio;
  if (ratio !== undefined && overall.classes.length >= 2 && ratio >= ratioThreshold) {
    const majority = overall.classes.find((entry) => entry.label === overall.majority);
    const minority = overall.classes.find((entry) => entry.label === overall.minority);
    if (majority && minority) {
      const farBelow = overall.classes.filter((entry) => entry.count > 0 && majority.count / entry.count >= ratioThreshold);
      const others = farBelow.length - 1;
      pushFinding(findings, config, CLASS_IMBALANCE, {
        message:
          `Class '${minority.label}' has ${formatCount(minority.count)} images, ${formatPercent(minority.share)} of the dataset ` +
          `(imbalance ratio ${formatNumber(ratio, 1)}:1 against '${majority.label}', ${formatCount(majority.count)} images)` +
          (others > 0 ? `; ${others} other class${others === 1 ? ' is' : 'es are'} also at least ${formatNumber(ratioThreshold, 1)} times smaller than '${majority.label}'.` : '.'),
        location,
        evidence: {
          imbalanceRatio: ratio,
          threshold: ratioThreshold,
          minority: { label: minority.label, count: minority.count, share: minority.share },
          majority: { label: majority.label, count: majority.count, share: majority.share },
          classesAtOrAboveRatio: farBelow.map((entry) => ({ label: entry.label, count: entry.count, ratio: majority.count / entry.count })),
          total: overall.total,
          normalisedEntropy: overall.normalisedEntropy,
          classWeights,
        },
        suggestion:
          `Collect more images of '${minority.label}', or compensate in training: weight the loss by the class weights in the evidence ` +
          `(w = n / (K · n_c)), or oversample the small classes; judge the model by per-class recall or balanced accuracy, not accuracy alone.`,
      });
    }
  }

  for (const entry of overall.classes) {
    if (entry.count > 0 && entry.count < minClassCount) {
      pushFinding(findings, config, CLASS_TOO_SMALL, {
        message:
          `Class '${entry.label}' has only ${formatCount(entry.count)} image${entry.count === 1 ? '' : 's'} ` +
          `(${formatPercent(entry.share)} of the dataset), fewer than the minimum of ${formatCount(minClassCount)}.`,
        location,
        evidence: {
          label: entry.label,
          count: entry.count,
          share: entry.share,
          threshold: minClassCount,
          perSplit: hasSplits ? Object.fromEntries(Object.entries(perSplit).map(([split, d]) => [split, d.classes.find((c) => c.label === entry.label)?.count ?? 0])) : undefined,
        },
        suggestion: `Collect at least ${formatCount(minClassCount - entry.count)} more images of '${entry.label}', merge it with a related class, or drop it; metrics on so few images are unreliable.`,
      });
    }
  }

  return {
    findings,
    summary: {
      total: overall.total,
      classCount: overall.classes.length,
      classes: overall.classes,
      imbalanceRatio: overall.imbalanceRatio,
      majority: overall.majority,
      minority: overall.minority,
      entropyBits: overall.entropyBits,
      normalisedEntropy: overall.normalisedEntropy,
      classWeights,
      resampling: resamplingPlan(overall.classes),
      perSplit: hasSplits ? plainRecord(perSplit) : undefined,
    },
  };
}

/** FF-D001 class imbalance and FF-D002 classes that are too small, with weights and a resampling plan in the summary. */
export const classBalanceCheck: DatasetCheck = {
  name: 'class-balance',
  description: 'Counts images per class and per split; reports imbalance and classes that are too small.',
  rules: [CLASS_IMBALANCE, CLASS_TOO_SMALL],
  thresholds: ['imbalanceRatio', 'minClassCount'],
  needsScan: false,
  run,
};
