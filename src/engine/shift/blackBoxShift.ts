// Black-box shift estimation (Lipton, Wang & Smola 2018): the target's class priors from a classifier's confusion on
// labelled reference data and its predictions on unlabelled target data.
import { mulberry32 } from '../metrics/seededRandom';
import { percentileInterval, type ConfidenceInterval } from '../metrics/bootstrap';
import { throwIfAborted } from '../errors';

/** The point estimate of BBSE. */
export interface BlackBoxShiftEstimate {
  /** C[i][j] = P_ref(ŷ = i, y = j), the reference's joint confusion matrix (rows: predicted, columns: true). */
  confusion: number[][];
  /** p_ref[j] = P_ref(y = j). */
  referencePriors: number[];
  /** μ̂[i] = P_target(ŷ = i). */
  targetPredicted: number[];
  /** w = C⁻¹ μ̂ (importance weights q/p per class), as solved; undefined when C is singular. */
  weights: number[] | undefined;
  /** q̂ = max(w, 0) ∘ p_ref, renormalised to sum 1 (the clipping of Lipton et al. §5). */
  targetPriors: number[] | undefined;
  /** Σ_j q̂_j · P_ref(ŷ = j | y = j): the accuracy expected on the target if only the priors moved. */
  expectedAccuracy: number | undefined;
  /** Accuracy on the reference, Σ_j C[j][j]. */
  referenceAccuracy: number;
}

/** BBSE with percentile-bootstrap intervals (reference and target resampled independently). */
export interface BlackBoxShiftResult extends BlackBoxShiftEstimate {
  weightIntervals: ConfidenceInterval[];
  priorIntervals: ConfidenceInterval[];
  /** Intervals of q̂_j − p_ref_j. */
  priorChangeIntervals: ConfidenceInterval[];
  /** The same at `decisionLevel` (e.g. Bonferroni-simultaneous over many classes × groups); equal to priorChangeIntervals without one. */
  priorChangeDecisionIntervals: ConfidenceInterval[];
  expectedAccuracyInterval: ConfidenceInterval;
  /** Bootstrap replicates in which C was singular (left out of the intervals). */
  singularReplicates: number;
}

/** Solves A x = b by Gaussian elimination with partial pivoting; undefined when A is (numerically) singular. */
export function solveLinear(matrix: readonly (readonly number[])[], rhs: readonly number[]): number[] | undefined {
  const k = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]]);
  const scale = Math.max(...matrix.flat().map(Math.abs), 0);
  if (scale === 0) return undefined;
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) <= 1e-12 * scale) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < k; r++) {
      const factor = a[r][col] / a[col][col];
      if (factor === 0) continue;
      for (let c = col; c <= k; c++) a[r][c] -= factor * a[col][c];
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let sum = a[r][k];
    for (let c = r + 1; c < k; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}

/**
 * BBSE point estimate (Lipton et al. 2018, eq. 4): w = C⁻¹ μ̂ with C[i][j] = P_ref(ŷ=i, y=j) and μ̂[i] = P_target(ŷ=i);
 * q̂ = w ∘ p_ref. Valid under label shift: p(x | y) is the same in both. Classes are 0 … classes−1.
 */
export function estimateBlackBoxShift(
  referenceTrue: ArrayLike<number>,
  referencePredicted: ArrayLike<number>,
  targetPredicted: ArrayLike<number>,
  classes: number,
): BlackBoxShiftEstimate {
  const n = referenceTrue.length;
  const m = targetPredicted.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const referencePriors = new Array<number>(classes).fill(0);
  for (let r = 0; r < n; r++) {
    confusion[referencePredicted[r]][referenceTrue[r]] += 1 / n;
    referencePriors[referenceTrue[r]] += 1 / n;
  }
  const predicted = new Array<number>(classes).fill(0);
  for (let t = 0; t < m; t++) predicted[targetPredicted[t]] += 1 / m;
  let referenceAccuracy = 0;
  for (let j = 0; j < classes; j++) referenceAccuracy += confusion[j][j];
  const weights = n > 0 && m > 0 ? solveLinear(confusion, predicted) : undefined;
  let targetPriors: number[] | undefined;
  let expectedAccuracy: number | undefined;
  if (weights) {
    const clipped = weights.map((w, j) => Math.max(w, 0) * referencePriors[j]);
    const sum = clipped.reduce((s, v) => s + v, 0);
    if (sum > 0) {
      targetPriors = clipped.map((v) => v / sum);
      // P_ref(ŷ = j | y = j) = C[j][j] / p_ref[j]; a class absent from the reference has no recall and no prior.
      expectedAccuracy = targetPriors.reduce((acc, q, j) => acc + (referencePriors[j] > 0 ? (q * confusion[j][j]) / referencePriors[j] : 0), 0);
    }
  }
  return { confusion, referencePriors, targetPredicted: predicted, weights, targetPriors, expectedAccuracy, referenceAccuracy };
}

export interface BlackBoxShiftOptions {
  replicates: number;
  level: number;
  seed: number;
  /** Level of the intervals used to decide that a prior moved (default: `level`). */
  decisionLevel?: number;
  signal?: AbortSignal;
}

/** BBSE with percentile-bootstrap intervals for w, q̂, q̂ − p_ref and the expected accuracy. */
export function blackBoxShift(
  referenceTrue: ArrayLike<number>,
  referencePredicted: ArrayLike<number>,
  targetPredicted: ArrayLike<number>,
  classes: number,
  options: BlackBoxShiftOptions,
): BlackBoxShiftResult {
  const estimate = estimateBlackBoxShift(referenceTrue, referencePredicted, targetPredicted, classes);
  const random = mulberry32(options.seed);
  const n = referenceTrue.length;
  const m = targetPredicted.length;
  const B = options.replicates;
  const weightDraws = Array.from({ length: classes }, () => new Float64Array(B).fill(Number.NaN));
  const priorDraws = Array.from({ length: classes }, () => new Float64Array(B).fill(Number.NaN));
  const changeDraws = Array.from({ length: classes }, () => new Float64Array(B).fill(Number.NaN));
  const accuracyDraws = new Float64Array(B).fill(Number.NaN);
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const tPred = new Int32Array(m);
  let singular = 0;
  for (let b = 0; b < B; b++) {
    if (b % 50 === 0) throwIfAborted(options.signal);
    for (let r = 0; r < n; r++) {
      const pick = Math.floor(random() * n);
      yTrue[r] = referenceTrue[pick];
      yPred[r] = referencePredicted[pick];
    }
    for (let t = 0; t < m; t++) tPred[t] = targetPredicted[Math.floor(random() * m)];
    const draw = estimateBlackBoxShift(yTrue, yPred, tPred, classes);
    if (!draw.weights || !draw.targetPriors) {
      singular++;
      continue;
    }
    for (let j = 0; j < classes; j++) {
      weightDraws[j][b] = draw.weights[j];
      priorDraws[j][b] = draw.targetPriors[j];
      changeDraws[j][b] = draw.targetPriors[j] - draw.referencePriors[j];
    }
    accuracyDraws[b] = draw.expectedAccuracy ?? Number.NaN;
  }
  const level = options.level;
  return {
    ...estimate,
    weightIntervals: weightDraws.map((draws, j) => percentileInterval(estimate.weights?.[j] ?? Number.NaN, draws, level)),
    priorIntervals: priorDraws.map((draws, j) => percentileInterval(estimate.targetPriors?.[j] ?? Number.NaN, draws, level)),
    priorChangeIntervals: changeDraws.map((draws, j) => percentileInterval(estimate.targetPriors ? estimate.targetPriors[j] - estimate.referencePriors[j] : Number.NaN, draws, level)),
    priorChangeDecisionIntervals: changeDraws.map((draws, j) => percentileInterval(estimate.targetPriors ? estimate.targetPriors[j] - estimate.referencePriors[j] : Number.NaN, draws, options.decisionLevel ?? level)),
    expectedAccuracyInterval: percentileInterval(estimate.expectedAccuracy ?? Number.NaN, accuracyDraws, level),
    singularReplicates: singular,
  };
}
