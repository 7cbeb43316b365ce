// Label-based classification metrics with scikit-learn's semantics: accuracy, balanced and top-k accuracy, the
// confusion matrix and precision / recall / F1 per class and averaged. Labels are integer class indices.
import type { ProbabilityRow, ZeroDivision } from './metricValues';
import { assertClassIndices, assertSameLength, divide, presentLabels } from './metricValues';

/** Which classes to score and what an undefined ratio becomes. */
export interface LabelOptions {
  /** Classes to score, in output order; default: the sorted labels present in yTrue ∪ yPred (as scikit-learn). */
  labels?: readonly number[];
  /** Value of a ratio with a zero denominator; default 'nan' (undefined, reported as null). */
  zeroDivision?: ZeroDivision;
}

/** Precision, recall, F1 and support of each scored class, in `labels` order. */
export interface PerClassScores {
  labels: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  /** Samples whose true class is the class. */
  support: number[];
  /** Samples predicted as the class. */
  predicted: number[];
}

/** An averaged precision, recall and F1. */
export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class scores with their macro, micro and support-weighted averages. */
export interface PrecisionRecallF1 {
  perClass: PerClassScores;
  macro: AveragedScores;
  micro: AveragedScores;
  weighted: AveragedScores;
}

function checkLabels(where: string, yTrue: readonly number[], yPred: readonly number[]): void {
  assertSameLength(where, yTrue, yPred, 'yPred');
  assertClassIndices(where, 'yTrue', yTrue);
  assertClassIndices(where, 'yPred', yPred);
}

/** Accuracy = (1/n) Σ 1[ŷ_i = y_i] (sklearn.metrics.accuracy_score); NaN for no samples. */
export function accuracy(yTrue: readonly number[], yPred: readonly number[]): number {
  assertSameLength('accuracy', yTrue, yPred, 'yPred');
  if (yTrue.length === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** Confusion matrix C[i][j] = #{y = labels[i], ŷ = labels[j]}: rows true, columns predicted; samples outside `labels` are ignored (sklearn). */
export function confusionMatrix(yTrue: readonly number[], yPred: readonly number[], labels?: readonly number[]): number[][] {
  checkLabels('confusionMatrix', yTrue, yPred);
  const classes = labels ?? presentLabels(yTrue, yPred);
  const position = new Map<number, number>(classes.map((label, i) => [label, i]));
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = position.get(yTrue[i]);
    const column = position.get(yPred[i]);
    if (row !== undefined && column !== undefined) matrix[row][column]++;
  }
  return matrix;
}

/**
 * Balanced accuracy = mean over classes present in y_true of recall_c = C[c][c] / Σ_j C[c][j]
 * (Brodersen et al. 2010; sklearn.metrics.balanced_accuracy_score, adjusted=False); NaN for no samples.
 */
export function balancedAccuracy(yTrue: readonly number[], yPred: readonly number[]): number {
  const matrix = confusionMatrix(yTrue, yPred);
  let sum = 0;
  let classes = 0;
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    if (total === 0) return;
    sum += row[i] / total;
    classes++;
  });
  return classes > 0 ? sum / classes : Number.NaN;
}

/**
 * Top-k accuracy = (1/n) Σ 1[y_i among the k highest scores of row i] (sklearn.metrics.top_k_accuracy_score).
 * Ties rank like sklearn's stable argsort reversed: among equal scores the higher class index ranks first.
 */
export function topKAccuracy(yTrue: readonly number[], probs: readonly ProbabilityRow[], k: number): number {
  assertSameLength('topKAccuracy', yTrue, probs, 'probs');
  assertClassIndices('topKAccuracy', 'yTrue', yTrue);
  if (yTrue.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = probs[i];
    const label = yTrue[i];
    const own = row[label];
    let above = 0;
    for (let j = 0; j < row.length && above < k; j++) {
      if (row[j] > own || (row[j] === own && j > label)) above++;
    }
    if (above < k) hits++;
  }
  return hits / yTrue.length;
}

/** Mean of the defined (non-NaN) values with weights (sklearn's _nanaverage); NaN when no weight remains. */
function weightedNanMean(values: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  let total = 0;
  values.forEach((value, i) => {
    if (Number.isNaN(value)) return;
    sum += value * weights[i];
    total += weights[i];
  });
  return total > 0 ? sum / total : Number.NaN;
}

/**
 * Precision_c = TP/(TP+FP), recall_c = TP/(TP+FN), F1_c = 2TP/(2TP+FP+FN), with zero denominators set by `zeroDivision`
 * (sklearn.metrics.precision_recall_fscore_support ≥ 1.3). Macro = unweighted mean over classes (undefined classes
 * skipped, as sklearn with zero_division=nan), weighted = support-weighted mean, micro = the same ratios on pooled counts.
 */
export function precisionRecallF1(yTrue: readonly number[], yPred: readonly number[], options: LabelOptions = {}): PrecisionRecallF1 {
  const zeroDivision = options.zeroDivision ?? 'nan';
  const labels = [...(options.labels ?? presentLabels(yTrue, yPred))];
  const matrix = confusionMatrix(yTrue, yPred, labels);
  const k = labels.length;
  const truePositives = labels.map((_, i) => matrix[i][i]);
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = labels.map((_, j) => matrix.reduce((sum, row) => sum + row[j], 0));
  const precision = truePositives.map((tp, i) => divide(tp, predicted[i], zeroDivision));
  const recall = truePositives.map((tp, i) => divide(tp, support[i], zeroDivision));
  const f1 = truePositives.map((tp, i) => divide(2 * tp, predicted[i] + support[i], zeroDivision));

  const macro: AveragedScores = {
    precision: weightedNanMean(precision, new Array<number>(k).fill(1)),
    recall: weightedNanMean(recall, new Array<number>(k).fill(1)),
    f1: weightedNanMean(f1, new Array<number>(k).fill(1)),
  };
  const tp = truePositives.reduce((a, b) => a + b, 0);
  const predictedTotal = predicted.reduce((a, b) => a + b, 0);
  const supportTotal = support.reduce((a, b) => a + b, 0);
  const micro: AveragedScores = {
    precision: divide(tp, predictedTotal, zeroDivision),
    recall: divide(tp, supportTotal, zeroDivision),
    f1: divide(2 * tp, predictedTotal + supportTotal, zeroDivision),
  };
  let weighted: AveragedScores;
  if (supportTotal === 0) {
    // sklearn: no true samples of any scored class — precision and F1 are 0 unless nothing was predicted either.
    const undefinedValue = zeroDivision === 'nan' ? Number.NaN : zeroDivision;
    weighted = predictedTotal === 0
      ? { precision: undefinedValue, recall: undefinedValue, f1: undefinedValue }
      : { precision: 0, recall: undefinedValue, f1: 0 };
  } else {
    weighted = {
      precision: weightedNanMean(precision, support),
      recall: weightedNanMean(recall, support),
      f1: weightedNanMean(f1, support),
    };
  }
  return { perClass: { labels, precision, recall, f1, support, predicted }, macro, micro, weighted };
}
