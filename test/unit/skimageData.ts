// Real photographs and face crops from Debian's python3-skimage (installed by .ci/run). A test that needs them
// skips, with a one-line reason, when the package is absent — but fails when CI is 'true'.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The folder of skimage's sample data. */
export const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

export function skimagePath(name: string): string {
  return path.join(SKIMAGE_DATA, name);
}

/** Returns when every named sample exists; otherwise fails under CI and skips elsewhere. */
export function requireSkimage(context: Mocha.Context, ...names: string[]): void {
  const absent = names.filter((name) => !existsSync(skimagePath(name)));
  if (absent.length === 0) return;
  if (process.env.CI === 'true') throw new Error(`skimage's sample data (${absent.join(', ')}) is missing; under CI python3-skimage must be installed (.ci/run does).`);
  console.warn(`    skipped: skimage sample data ${absent.join(', ')} is absent (apt-get install python3-skimage)`);
  context.skip();
}

/** Reads a little-endian float64 .npy array (numpy's format 1.0). */
export function parseNpyFloat64(bytes: Buffer): { shape: number[]; data: Float64Array } {
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f8'") || header.includes("'fortran_order': True")) throw new Error('expected C-ordered little-endian float64 data');
  const shape = header.match(/'shape': \(([^)]*)\)/)![1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLength;
  const copy = Buffer.from(bytes.subarray(start));
  return { shape, data: new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8) };
}
