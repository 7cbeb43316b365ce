// Overall metrics of a model on the audited images, with bootstrap intervals on the headline figures.
import {
  bootstrapCountFrames,
  confusionMatrix,
  COUNT_METRICS,
  expectedCalibrationError,
  logLoss,
  oneVsRestAuc,
  precisionRecallF1,
  rocCurve,
  topKAccuracy,
  type CountBootstrapOptions,
  type ProbabilityRow,
} from '../metrics';
import type { Interval, OverallMetrics } from './modelAuditTypes';

/** Points kept of a ROC curve for display. */
const ROC_DISPLAY_POINTS = 101;

/** The audited sample, as class indices and probability rows. */
export interface AuditedSample {
  yTrue: number[];
  yPred: number[];
  probs: ProbabilityRow[];
  classNames: string[];
  /** True when each row is one-hot on a predicted label (a predictions file without scores): no calibration, AUC, log loss or top-k. */
  labelsOnly?: boolean;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Thins a curve to about `points` points, keeping both ends (for display only). */
export function thinCurve(x: readonly number[], y: readonly number[], points = ROC_DISPLAY_POINTS): { x: number[]; y: number[] } {
  if (x.length <= points) return { x: [...x], y: [...y] };
  const keep: number[] = [];
  for (let k = 0; k < points; k++) keep.push(Math.round((k * (x.length - 1)) / (points - 1)));
  return { x: keep.map((i) => x[i]), y: keep.map((i) => y[i]) };
}

/** Accuracy, balanced accuracy, top-k, per-class scores, confusion matrix, ROC/AUC, log loss and calibration. */
export function overallMetrics(sample: AuditedSample, bootstrap: CountBootstrapOptions): OverallMetrics {
  const { yTrue, yPred, probs, classNames } = sample;
  const k = classNames.length;
  const labels = classNames.map((_, i) => i);
  const everyone = yTrue.map(() => 'all');
  const frames = bootstrapCountFrames(
    sample.labelsOnly
      ? { accuracy: COUNT_METRICS.accuracy, balancedAccuracy: COUNT_METRICS.balancedAccuracy }
      : { accuracy: COUNT_METRICS.accuracy, balancedAccuracy: COUNT_METRICS.balancedAccuracy, ece: COUNT_METRICS.ece },
    yTrue,
    yPred,
    k,
    everyone,
    { ...bootstrap, probs, minGroupSize: 1 },
  );
  const interval = (name: string): Interval => frames[name].overall;
  if (sample.labelsOnly) return labelsOnlyMetrics(sample, interval('accuracy'), interval('balancedAccuracy'));
  const scores = precisionRecallF1(yTrue, yPred, { labels });
  const auc = oneVsRestAuc(yTrue, probs, labels);
  const topK: Record<string, number> = {};
  for (const kk of [2, 3, 5]) if (kk < k) topK[`top${kk}`] = topKAccuracy(yTrue, probs, kk);
  const calibration = expectedCalibrationError(yTrue, probs);
  const roc = labels.map((c) => {
    const binary = yTrue.map((y) => (y === c ? 1 : 0));
    const positives = binary.reduce((a: number, b) => a + b, 0);
    if (positives === 0 || positives === binary.length) return { class: classNames[c], auc: null, fpr: [], tpr: [] };
    const curve = rocCurve(binary, probs.map((row) => row[c]));
    const thinned = thinCurve(curve.fpr, curve.tpr);
    return { class: classNames[c], auc: finite(auc.perClass[c]), fpr: thinned.x, tpr: thinned.y };
  });
  const averaged = (a: { precision: number; recall: number; f1: number }): OverallMetrics['macro'] => ({
    precision: finite(a.precision),
    recall: finite(a.recall),
    f1: finite(a.f1),
  });
  return {
    images: yTrue.length,
    accuracy: interval('accuracy'),
    balancedAccuracy: interval('balancedAccuracy'),
    topK,
    perClass: perClassRows(scores, classNames, (c) => finite(auc.perClass[c])),
    macro: averaged(scores.macro),
    micro: averaged(scores.micro),
    weighted: averaged(scores.weighted),
    confusionMatrix: confusionMatrix(yTrue, yPred, labels),
    roc,
    macroAuc: finite(auc.macro),
    logLoss: yTrue.length > 0 ? finite(logLoss(yTrue, probs)) : null,
    calibration: { ece: interval('ece'), maxCalibrationError: finite(calibration.maxCalibrationError), bins: calibration.bins },
  };
}

/** The metrics that predicted labels alone support: no scores, so no ROC, AUC, log loss, top-k or calibration (left null or empty). */
function labelsOnlyMetrics(sample: AuditedSample, accuracy: Interval, balancedAccuracy: Interval): OverallMetrics {
  const { yTrue, yPred, classNames } = sample;
  const labels = classNames.map((_, i) => i);
  const scores = precisionRecallF1(yTrue, yPred, { labels });
  const averaged = (a: { precision: number; recall: number; f1: number }): OverallMetrics['macro'] => ({ precision: finite(a.precision), recall: finite(a.recall), f1: finite(a.f1) });
  const none: Interval = { estimate: null, lower: null, upper: null, level: accuracy.level, replicates: 0, undefinedReplicates: 0 };
  return {
    images: yTrue.length,
    accuracy,
    balancedAccuracy,
    topK: {},
    perClass: perClassRows(scores, classNames, () => null),
    macro: averaged(scores.macro),
    micro: averaged(scores.micro),
    weighted: averaged(scores.weighted),
    confusionMatrix: confusionMatrix(yTrue, yPred, labels),
    roc: [],
    macroAuc: null,
    logLoss: null,
    calibration: { ece: none, maxCalibrationError: null, bins: [] },
  };
}

/** One row per class: precision, recall, F1, support and predicted count from `scores`, and the class's AUC. */
function perClassRows(scores: ReturnType<typeof precisionRecallF1>, classNames: readonly string[], auc: (c: number) => number | null): OverallMetrics['perClass'] {
  return classNames.map((name, c) => ({
    class: name,
    precision: finite(scores.perClass.precision[c]),
    recall: finite(scores.perClass.recall[c]),
    f1: finite(scores.perClass.f1[c]),
    support: scores.perClass.support[c],
    predicted: scores.perClass.predicted[c],
    auc: auc(c),
  }));
}
