// Metrics by group for each sensitive attribute and intersection, with bootstrap intervals, and the fairness figures
// compared with their thresholds.
import { minOf } from '../arrays';
import type { Thresholds } from '../config/configTypes';
import {
  bootstrapCountFrames,
  ciExcludesNoGap,
  COUNT_METRICS,
  INTERSECTION_SEPARATOR,
  type BootstrapFrame,
  type CountBootstrapOptions,
  type CountMetric,
  type PairInterval,
} from '../metrics';
import type { FairnessFigure, GroupMetric, GroupReport, Interval } from './modelAuditTypes';
import type { AuditedSample } from './overallMetrics';

/** The metric names used in GroupReport.metrics, with their definitions and the words reports use for them. */
export const GROUP_METRIC_NAMES: Record<string, string> = {
  /** Accuracy = (1/n) Σ 1[ŷ = y]. */
  accuracy: 'accuracy',
  /** Error rate = 1 − accuracy. */
  errorRate: 'error rate',
  /** ECE on top-1 confidence, 15 equal-width bins (Guo et al. 2017). */
  ece: 'expected calibration error',
  /** Selection rate of class c = P(ŷ = c) (fairlearn selection_rate, one-vs-rest). */
  selectionRate: 'selection rate',
  /** TPR of class c = P(ŷ = c | y = c) (recall, one-vs-rest). */
  truePositiveRate: 'true positive rate',
  /** FPR of class c = P(ŷ = c | y ≠ c) (one-vs-rest). */
  falsePositiveRate: 'false positive rate',
};

/**
 * One-vs-rest figures (selection rate, TPR, FPR per class, each bootstrapped) are computed for at most this many
 * classes: beyond it (an ImageNet head) their number and cost explode; accuracy, error rate and calibration by group remain.
 */
export const MAX_ONE_VS_REST_CLASSES = 20;

/** One group definition: a single attribute or an intersection, with a value per audited sample for each attribute. */
export interface GroupDefinition {
  attributes: string[];
  values: Record<string, string[]>;
}

function toGroupMetric(metric: string, frame: BootstrapFrame, className?: string): GroupMetric {
  return {
    metric,
    class: className,
    overall: frame.overall,
    byGroup: frame.byGroup,
    difference: frame.differenceBetweenGroups,
    ratio: frame.ratioBetweenGroups,
    differenceToOverall: frame.differenceToOverall,
    ratioToOverall: frame.ratioToOverall,
    gap: frame.gap,
    gapRatio: frame.gapRatio,
    undefinedGroups: frame.frame.undefinedGroups,
  };
}

/** The inverse of a ratio interval (worst/best from lowest/highest): bounds swap. */
function invertInterval(interval: PairInterval): Interval {
  const inv = (v: number | null): number | null => (v === null || v === 0 ? null : 1 / v);
  return { ...interval, estimate: inv(interval.estimate), lower: inv(interval.upper), upper: inv(interval.lower) };
}

function differenceFigure(name: string, rule: string, metric: GroupMetric, threshold: number): FairnessFigure {
  const value = metric.difference.estimate;
  return {
    name,
    rule,
    class: metric.class,
    value,
    threshold,
    direction: 'max',
    passed: value === null ? null : value <= threshold,
    ratio: metric.ratio.estimate,
    interval: metric.gap,
    excludesNoGap: ciExcludesNoGap(metric.gap, 'difference'),
    groups: { higher: metric.gap.higherGroup, lower: metric.gap.lowerGroup },
  };
}

/** The fairness figures of one report: accuracy parity, error-rate ratio, calibration gap, and one-vs-rest per class. */
export function fairnessFigures(metrics: GroupMetric[], thresholds: Thresholds): FairnessFigure[] {
  const find = (metric: string, className?: string): GroupMetric | undefined => metrics.find((m) => m.metric === metric && m.class === className);
  const figures: FairnessFigure[] = [];
  const accuracyMetric = find('accuracy');
  if (accuracyMetric) figures.push(differenceFigure('accuracy difference', 'FF-M010', accuracyMetric, thresholds.maxAccuracyDifference));
  const errors = find('errorRate');
  if (errors) {
    // Error-rate ratio = worst-group error / best-group error (Buolamwini & Gebru 2018).
    const interval = invertInterval(errors.gapRatio);
    const value = interval.estimate;
    figures.push({
      name: 'error-rate ratio',
      rule: 'FF-M011',
      value,
      threshold: thresholds.maxErrorRateRatio,
      direction: 'max',
      passed: value === null ? (errors.gap.estimate === null || errors.gap.estimate === 0 ? null : false) : value <= thresholds.maxErrorRateRatio,
      interval,
      excludesNoGap: ciExcludesNoGap(errors.gap, 'difference'),
      groups: { higher: errors.gap.higherGroup, lower: errors.gap.lowerGroup },
    });
  }
  const ece = find('ece');
  if (ece) figures.push(differenceFigure('calibration difference', 'FF-M016', ece, thresholds.maxCalibrationDifference));
  const classes = [...new Set(metrics.filter((m) => m.class !== undefined).map((m) => m.class as string))];
  for (const className of classes) {
    const selection = find('selectionRate', className);
    const tpr = find('truePositiveRate', className);
    const fpr = find('falsePositiveRate', className);
    if (selection) {
      // Demographic parity difference = max_g − min_g selection rate (fairlearn demographic_parity_difference).
      figures.push(differenceFigure('demographic parity difference', 'FF-M012', selection, thresholds.maxDemographicParityDifference));
      // Disparate impact ratio = min_g / max_g selection rate; four-fifths rule at 0.8 (EEOC 1978).
      const value = selection.ratio.estimate;
      figures.push({
        name: 'disparate impact ratio',
        rule: 'FF-M015',
        class: className,
        value,
        threshold: thresholds.minDisparateImpactRatio,
        direction: 'min',
        passed: value === null ? null : value >= thresholds.minDisparateImpactRatio,
        interval: selection.gapRatio,
        excludesNoGap: ciExcludesNoGap(selection.gapRatio, 'ratio'),
        groups: { higher: selection.gapRatio.higherGroup, lower: selection.gapRatio.lowerGroup },
      });
    }
    if (tpr) figures.push(differenceFigure('equal opportunity difference', 'FF-M014', tpr, thresholds.maxEqualOpportunityDifference));
    if (tpr && fpr) {
      // Equalized odds difference = max(|ΔTPR|, |ΔFPR|) between groups (fairlearn equalized_odds_difference).
      const tprGap = tpr.difference.estimate;
      const fprGap = fpr.difference.estimate;
      const dominant = tprGap === null ? fpr : fprGap === null ? tpr : fprGap > tprGap ? fpr : tpr;
      const figure = differenceFigure('equalized odds difference', 'FF-M013', dominant, thresholds.maxEqualizedOddsDifference);
      figure.value = tprGap === null && fprGap === null ? null : Math.max(tprGap ?? -Infinity, fprGap ?? -Infinity);
      figure.passed = figure.value === null ? null : figure.value <= thresholds.maxEqualizedOddsDifference;
      // Equalized odds ratio = min(TPR ratio, FPR ratio) (fairlearn equalized_odds_ratio).
      const ratios = [tpr.ratio.estimate, fpr.ratio.estimate].filter((r): r is number => r !== null);
      figure.ratio = ratios.length > 0 ? minOf(ratios) : null;
      figure.class = className;
      figures.push(figure);
    }
  }
  return figures;
}

/** Builds the report of one group definition: every metric by group with intervals, and the fairness figures. */
export function groupReport(sample: AuditedSample, definition: GroupDefinition, thresholds: Thresholds, bootstrap: CountBootstrapOptions): GroupReport {
  const { yTrue, yPred, probs, classNames } = sample;
  // Predicted labels alone carry no confidence: calibration by group is then not measured.
  const metrics: Record<string, CountMetric> = sample.labelsOnly
    ? { accuracy: COUNT_METRICS.accuracy, errorRate: COUNT_METRICS.errorRate }
    : { accuracy: COUNT_METRICS.accuracy, errorRate: COUNT_METRICS.errorRate, ece: COUNT_METRICS.ece };
  const perClass: Array<{ key: string; metric: string; className: string }> = [];
  const presentClasses = new Set(yTrue);
  const oneVsRest = presentClasses.size <= MAX_ONE_VS_REST_CLASSES;
  classNames.forEach((className, c) => {
    if (!oneVsRest || !presentClasses.has(c)) return;
    for (const metric of ['selectionRate', 'truePositiveRate', 'falsePositiveRate'] as const) {
      const key = `${metric}:${c}`;
      // A rate over a handful of positives (or negatives) is noise: below minConditionCount it is undefined, not compared.
      metrics[key] = metric === 'selectionRate' ? COUNT_METRICS.selectionRate(c) : COUNT_METRICS[metric](c, thresholds.minConditionCount);
      perClass.push({ key, metric, className });
    }
  });
  const sensitive = definition.attributes.length === 1 ? definition.values[definition.attributes[0]] : definition.values;
  const frames = bootstrapCountFrames(metrics, yTrue, yPred, classNames.length, sensitive, {
    ...bootstrap,
    probs,
    minGroupSize: thresholds.minMetricGroupSize,
  });
  const groupMetrics: GroupMetric[] = [
    toGroupMetric('accuracy', frames.accuracy),
    toGroupMetric('errorRate', frames.errorRate),
    ...(frames.ece ? [toGroupMetric('ece', frames.ece)] : []),
    ...perClass.map(({ key, metric, className }) => toGroupMetric(metric, frames[key], className)),
  ];
  const worst = frames.accuracy.byGroup.find((group) => group.group === frames.accuracy.frame.groupMin.group);
  return {
    name: definition.attributes.join(INTERSECTION_SEPARATOR),
    worstGroup: worst ? { group: worst.group, accuracy: worst } : undefined,
    attributes: definition.attributes,
    groups: frames.accuracy.byGroup.map((group) => ({ group: group.group, count: group.count, small: group.small })),
    metrics: groupMetrics,
    fairness: fairnessFigures(groupMetrics, thresholds),
    oneVsRestSkipped: oneVsRest ? undefined : `${presentClasses.size} classes: one-vs-rest figures are computed for at most ${MAX_ONE_VS_REST_CLASSES}`,
  };
}

