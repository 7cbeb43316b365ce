// Turning a model's output rows into probabilities: a numerically stable softmax, top-k, and telling logits from
// probabilities when the model does not say which it outputs.
import type { OutputKind } from './modelTypes';

/** Tolerance on a row's sum for it to count as a probability distribution. */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/**
 * Softmax of one row: p_i = exp(x_i − max x) / Σ_j exp(x_j − max x); subtracting the maximum keeps exp from
 * overflowing and leaves the result unchanged (Goodfellow et al., Deep Learning, §4.1). Accumulates in float64.
 * A row holding +Infinity shares the mass equally among its infinite entries; a row with NaN gives NaN everywhere.
 */
export function softmax(row: ArrayLike<number>, out: Float32Array = new Float32Array(row.length)): Float32Array {
  const n = row.length;
  if (out.length !== n) throw new RangeError(`softmax: output length ${out.length} differs from input length ${n}.`);
  if (n === 0) return out;
  let max = -Infinity;
  let sawNaN = false;
  for (let i = 0; i < n; i++) {
    const value = row[i];
    if (Number.isNaN(value)) sawNaN = true;
    else if (value > max) max = value;
  }
  if (sawNaN) return out.fill(Number.NaN);
  if (max === Infinity) {
    let infinite = 0;
    for (let i = 0; i < n; i++) if (row[i] === Infinity) infinite++;
    for (let i = 0; i < n; i++) out[i] = row[i] === Infinity ? 1 / infinite : 0;
    return out;
  }
  if (max === -Infinity) return out.fill(1 / n); // every entry −∞: no preference, uniform
  let sum = 0;
  const exps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    exps[i] = Math.exp(row[i] - max);
    sum += exps[i];
  }
  for (let i = 0; i < n; i++) out[i] = exps[i] / sum;
  return out;
}

/** The k largest entries as [index, value], largest first; ties go to the lower index; NaN entries are skipped. */
export function topK(values: ArrayLike<number>, k: number): Array<[number, number]> {
  const keep = Math.max(0, Math.min(Math.floor(k), values.length));
  const best: Array<[number, number]> = [];
  if (keep === 0) return best;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) continue;
    if (best.length === keep && value <= best[keep - 1][1]) continue;
    // Insertion into a list of at most k entries: k is small (5), so this beats sorting the row.
    let at = best.length < keep ? best.length : keep - 1;
    while (at > 0 && best[at - 1][1] < value) at--;
    best.splice(at, 0, [i, value]);
    if (best.length > keep) best.pop();
  }
  return best;
}

/**
 * 'probabilities' when every row has every value in [0, 1] and sums to 1 ± PROBABILITY_SUM_TOLERANCE, otherwise
 * 'logits' (softmax is then applied). No rows at all reads as 'logits'.
 */
export function detectOutputKind(rows: ArrayLike<ArrayLike<number>>): OutputKind {
  if (rows.length === 0) return 'logits';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 0) return 'logits';
    let sum = 0;
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (!(value >= 0 && value <= 1)) return 'logits'; // also false for NaN
      sum += value;
    }
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) return 'logits';
  }
  return 'probabilities';
}

/** Index of the first largest entry (numpy.argmax; NaN never wins). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Why a row of model output cannot be used ("the model's output holds NaN in 2 of 2 values"), or undefined when every value is finite. */
export function nonFiniteProblem(values: ArrayLike<number>): string | undefined {
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) nan++;
    else if (value === Infinity || value === -Infinity) infinite++;
  }
  if (nan === 0 && infinite === 0) return undefined;
  const parts = [nan > 0 ? `NaN in ${nan}` : '', infinite > 0 ? `±Infinity in ${infinite}` : ''].filter(Boolean).join(' and ');
  return `the model's output holds ${parts} of ${values.length} values`;
}
