// Shared input types, the zero-division policy and the reported form of a value that may be undefined.
import { FairframeError } from '../errors';

/** Class probabilities of one sample, one entry per class (a Float32Array from the model, or a plain array). */
export type ProbabilityRow = ArrayLike<number>;

/**
 * What a ratio with a zero denominator becomes, as scikit-learn's `zero_division`: 'nan' (the default here: the value
 * is undefined and reported as null with a reason), or the constant 0 or 1.
 */
export type ZeroDivision = 'nan' | 0 | 1;

/** A figure for a report: a finite number, or null with `undefined: true` and the reason. */
export interface ReportedValue {
  value: number | null;
  undefined?: true;
  reason?: string;
}

/** Wraps a number for a report: non-finite values (NaN, ±Infinity) become null, flagged undefined with `reason`. */
export function reportValue(value: number, reason: string): ReportedValue {
  return Number.isFinite(value) ? { value } : { value: null, undefined: true, reason };
}

/** The number behind a reported value; null becomes NaN. */
export function numericValue(reported: ReportedValue): number {
  return reported.value ?? Number.NaN;
}

/** numerator / denominator, or the zero-division policy's value when the denominator is 0. */
export function divide(numerator: number, denominator: number, zeroDivision: ZeroDivision = 'nan'): number {
  if (denominator === 0) return zeroDivision === 'nan' ? Number.NaN : zeroDivision;
  return numerator / denominator;
}

/** Throws unless `other` has as many entries as `yTrue` (one per sample). */
export function assertSameLength(where: string, yTrue: ArrayLike<unknown>, other: ArrayLike<unknown>, otherName: string): void {
  if (yTrue.length !== other.length) {
    throw new FairframeError(
      'internal',
      `${where}: yTrue has ${yTrue.length} samples but ${otherName} has ${other.length}; pass one entry per sample, in the same order.`,
    );
  }
}

/** Throws unless every label is a non-negative integer class index. */
export function assertClassIndices(where: string, name: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0) {
      throw new FairframeError(
        'internal',
        `${where}: ${name}[${i}] is ${label}, not a class index; map labels to integers 0…K−1 before computing metrics.`,
      );
    }
  }
}

/** The sorted distinct labels found in the given arrays (scikit-learn's unique_labels). */
export function presentLabels(...arrays: ReadonlyArray<ArrayLike<number>>): number[] {
  const seen = new Set<number>();
  for (const array of arrays) for (let i = 0; i < array.length; i++) seen.add(array[i]);
  return [...seen].sort((a, b) => a - b);
}

/** [0, 1, …, k − 1]: every class of a k-class model. */
export function classRange(k: number): number[] {
  return Array.from({ length: k }, (_, i) => i);
}

/** Mean of the finite entries (NaN when there are none), as numpy.nanmean. */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (Number.isNaN(value)) continue;
    sum += value;
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}
