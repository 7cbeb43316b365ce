// The reference data kept beside the repository (../shared/data: real MNIST, its ONNX model, cleanlab and fairlearn
// vectors). A test that needs it skips, with a one-line reason, when it is absent — but fails when CI is 'true'.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The shared reference folder. */
export const SHARED_DATA = path.resolve(__dirname, '../../../shared/data');

/** A path inside the shared reference folder. */
export function sharedDataPath(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}

const reported = new Set<string>();

/** The files of `files` that are missing (none when the reference is present). */
function missing(files: readonly string[]): string[] {
  return files.filter((file) => !existsSync(file));
}

/**
 * Call first in a `before`, `beforeEach` or `it` that needs `files`: returns when they exist; otherwise fails under CI
 * (process.env.CI === 'true') and skips the test with a one-line reason elsewhere.
 */
export function requireSharedData(context: Mocha.Context, ...files: string[]): void {
  const absent = missing(files);
  if (absent.length === 0) return;
  const names = absent.map((file) => path.relative(path.resolve(__dirname, '../..'), file)).join(', ');
  if (process.env.CI === 'true') throw new Error(`The reference data ${names} is missing; under CI it must be present (place the shared data folder beside the repository).`);
  if (!reported.has(names)) {
    reported.add(names);
    console.warn(`    skipped: reference data ${names} is absent on this machine`);
  }
  context.skip();
}

/** True when every file exists (for loading data at describe time; pair it with `requireSharedData` in a hook). */
export function hasSharedData(...files: string[]): boolean {
  return missing(files).length === 0;
}
