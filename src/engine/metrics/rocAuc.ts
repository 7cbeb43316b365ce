// ROC curves and the area under them, binary and one-vs-rest, with scikit-learn's roc_curve / roc_auc_score semantics.
import { FairframeError } from '../errors';
import type { ProbabilityRow } from './metricValues';
import { assertClassIndices, assertSameLength, classRange } from './metricValues';

/** A ROC curve: points (fpr[i], tpr[i]) for "score ≥ thresholds[i]", thresholds decreasing, the first +Infinity. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
  positives: number;
  negatives: number;
}

/** Options of `rocCurve`. */
export interface RocCurveOptions {
  /**
   * Drop points on straight segments (sklearn's drop_intermediate, default true, as sklearn). With false every distinct
   * score is a threshold. The area is the same either way.
   */
  dropIntermediate?: boolean;
}

/** AUC of each class against the rest and their macro mean. */
export interface OneVsRestAuc {
  /** Mean AUC over the classes whose AUC is defined; NaN when none is. */
  macro: number;
  labels: number[];
  /** AUC of labels[i] against the rest; NaN when the class is absent from yTrue or is every sample. */
  perClass: number[];
  /** Classes left out of the macro mean because their AUC is undefined. */
  undefinedClasses: number[];
}

/**
 * ROC curve of scores against binary truth (1 = positive, anything else negative): at each distinct score t, in
 * decreasing order, TPR = TP(t)/P and FPR = FP(t)/N for "positive when score ≥ t" (Fawcett 2006; sklearn.metrics.roc_curve).
 * Tied scores form one threshold. The curve starts at (0, 0) with threshold +Infinity (sklearn ≥ 1.3; older releases
 * used max score + 1). TPR is NaN without positives and FPR NaN without negatives, as sklearn.
 */
export function rocCurve(yBinary: readonly number[], scores: ArrayLike<number>, options: RocCurveOptions = {}): RocCurve {
  assertSameLength('rocCurve', yBinary, scores, 'scores');
  const n = yBinary.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new FairframeError('internal', `rocCurve: score ${i} is ${scores[i]}; scores must be finite numbers (check the model output).`);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp: number[] = [];
  let fp: number[] = [];
  let thresholds: number[] = [];
  let truePositives = 0;
  let falsePositives = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    if (yBinary[i] === 1) truePositives++;
    else falsePositives++;
    if (r === n - 1 || scores[order[r + 1]] !== scores[i]) {
      tp.push(truePositives);
      fp.push(falsePositives);
      thresholds.push(scores[i]);
    }
  }
  if ((options.dropIntermediate ?? true) && tp.length > 2) {
    // Keep the ends and every point where the second difference of FP or TP is non-zero (a change of direction).
    const keep: number[] = [];
    for (let i = 0; i < tp.length; i++) {
      if (i === 0 || i === tp.length - 1) keep.push(i);
      else if (fp[i + 1] - 2 * fp[i] + fp[i - 1] !== 0 || tp[i + 1] - 2 * tp[i] + tp[i - 1] !== 0) keep.push(i);
    }
    tp = keep.map((i) => tp[i]);
    fp = keep.map((i) => fp[i]);
    thresholds = keep.map((i) => thresholds[i]);
  }
  tp.unshift(0);
  fp.unshift(0);
  thresholds.unshift(Number.POSITIVE_INFINITY);
  const positives = truePositives;
  const negatives = falsePositives;
  return {
    fpr: fp.map((value) => (negatives > 0 ? value / negatives : Number.NaN)),
    tpr: tp.map((value) => (positives > 0 ? value / positives : Number.NaN)),
    thresholds,
    positives,
    negatives,
  };
}

/** Trapezoidal area under a curve given by increasing x: Σ (x_{i+1} − x_i)(y_{i+1} + y_i)/2 (numpy.trapz, sklearn.metrics.auc). */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/**
 * ROC AUC = trapezoidal area under `rocCurve`; ties between a positive and a negative score count ½, as in the
 * Mann–Whitney U statistic (Hanley & McNeil 1982; sklearn.metrics.roc_auc_score). NaN when only one class is present.
 */
export function rocAuc(yBinary: readonly number[], scores: ArrayLike<number>): number {
  const curve = rocCurve(yBinary, scores);
  if (curve.positives === 0 || curve.negatives === 0) return Number.NaN;
  return trapezoidArea(curve.fpr, curve.tpr);
}

/**
 * One-vs-rest AUC: class c's probability column scored against 1[y = c], and the unweighted mean over classes
 * (sklearn roc_auc_score(multi_class='ovr', average='macro')). sklearn raises when a class has an undefined AUC;
 * here that class is listed in `undefinedClasses` and left out of the mean. `labels` default: every column of probs.
 */
export function oneVsRestAuc(yTrue: readonly number[], probs: readonly ProbabilityRow[], labels?: readonly number[]): OneVsRestAuc {
  assertSameLength('oneVsRestAuc', yTrue, probs, 'probs');
  assertClassIndices('oneVsRestAuc', 'yTrue', yTrue);
  const classes = [...(labels ?? classRange(probs.length > 0 ? probs[0].length : 0))];
  const scores = new Float64Array(yTrue.length);
  const binary = new Array<number>(yTrue.length);
  const perClass = classes.map((label) => {
    for (let i = 0; i < yTrue.length; i++) {
      scores[i] = probs[i][label];
      binary[i] = yTrue[i] === label ? 1 : 0;
    }
    return rocAuc(binary, scores);
  });
  const defined = perClass.filter((value) => !Number.isNaN(value));
  return {
    macro: defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : Number.NaN,
    labels: classes,
    perClass,
    undefinedClasses: classes.filter((_, i) => Number.isNaN(perClass[i])),
  };
}
