// Helpers for comparing with frozen PyTorch references: base64 float32 arrays and a scale-free difference.
import * as assert from 'node:assert/strict';

/** A base64 string of little-endian float32 values, as the reference scripts write them. */
export function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The largest difference between two arrays, each divided by its largest absolute value. */
export function normalisedDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  const scale = (values: ArrayLike<number>): number => Math.max(1e-30, ...Array.from(values, Math.abs));
  const [a, e] = [scale(actual), scale(expected)];
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] / a - expected[i] / e));
  return worst;
}
