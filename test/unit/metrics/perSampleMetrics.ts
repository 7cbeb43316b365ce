// Plain per-sample metric functions, written out for the tests: a reference for the count metrics the audit ships
// (COUNT_METRICS) and simple inputs for the generic bootstrap and MetricFrame.
import type { MetricFunction } from '../../../src/engine/metrics';
import { accuracy, expectedCalibrationError } from '../../../src/engine/metrics';

/** Selection rate = (1/n) Σ 1[ŷ_i = positive] (fairlearn selection_rate); NaN for no samples. */
export function selectionRate(_yTrue: readonly number[], yPred: readonly number[], positive = 1): number {
  return yPred.length === 0 ? Number.NaN : yPred.filter((label) => label === positive).length / yPred.length;
}

/** TPR = TP / (TP + FN) (fairlearn true_positive_rate); NaN without positives. */
export function truePositiveRate(yTrue: readonly number[], yPred: readonly number[], positive = 1): number {
  const positives = yTrue.flatMap((label, i) => (label === positive ? [yPred[i]] : []));
  return positives.length === 0 ? Number.NaN : positives.filter((label) => label === positive).length / positives.length;
}

/** FPR = FP / (FP + TN) (fairlearn false_positive_rate); NaN without negatives. */
export function falsePositiveRate(yTrue: readonly number[], yPred: readonly number[], positive = 1): number {
  const negatives = yTrue.flatMap((label, i) => (label !== positive ? [yPred[i]] : []));
  return negatives.length === 0 ? Number.NaN : negatives.filter((label) => label === positive).length / negatives.length;
}

/** The per-sample metrics bound to a positive class, as MetricFunctions. */
export function perSampleMetrics(positive = 1): Record<'selectionRate' | 'truePositiveRate' | 'falsePositiveRate' | 'accuracy', MetricFunction> {
  return {
    selectionRate: (yTrue, yPred) => selectionRate(yTrue, yPred, positive),
    truePositiveRate: (yTrue, yPred) => truePositiveRate(yTrue, yPred, positive),
    falsePositiveRate: (yTrue, yPred) => falsePositiveRate(yTrue, yPred, positive),
    accuracy: (yTrue, yPred) => accuracy(yTrue, yPred),
  };
}

/** ECE on top-1 confidence with 15 equal-width bins, per sample set (needs probs). */
export const eceMetric: MetricFunction = (yTrue, _yPred, probs) => (probs ? expectedCalibrationError(yTrue, probs).ece : Number.NaN);
