// Hamming distance between 64-bit hashes, on 32-bit halves (no BigInt in hot loops).
import { FairframeError } from '../errors';

/** Number of set bits in a 32-bit integer (SWAR popcount, Warren, Hacker's Delight §5-1). */
export function popcount32(value: number): number {
  let x = value - ((value >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** True when `hex` is a 64-bit hash written as 16 hex digits. */
export function isHex64(hex: string): boolean {
  return /^[0-9a-fA-F]{16}$/.test(hex);
}

/** Splits a 16-hex-digit hash into its high and low 32-bit halves (unsigned). */
export function hexToHalves(hex: string): [high: number, low: number] {
  if (!isHex64(hex)) throw new FairframeError('internal', `'${hex}' is not a 64-bit hash of 16 hex digits.`);
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8), 16) >>> 0];
}

/** Hamming distance (number of differing bits) between two hex hashes of the same length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length || !/^[0-9a-fA-F]*$/.test(a) || !/^[0-9a-fA-F]*$/.test(b)) {
    throw new FairframeError('internal', `Cannot compare hashes '${a}' and '${b}': both must be hex strings of the same length.`);
  }
  let distance = 0;
  for (let start = 0; start < a.length; start += 7) {
    // 7 hex digits = 28 bits: always a safe positive integer for parseInt and the XOR.
    const x = Number.parseInt(a.slice(start, start + 7), 16) ^ Number.parseInt(b.slice(start, start + 7), 16);
    distance += popcount32(x);
  }
  return distance;
}
