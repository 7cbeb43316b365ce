// Bundles the worker entry for the tests, next to the repo's node_modules so its external packages resolve.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Builds src/worker/workerMain.ts into a fresh folder under .tmp/; returns the script path and a cleanup. */
export async function buildWorker(): Promise<{ script: string; cleanup: () => Promise<void> }> {
  await fs.mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = await fs.mkdtemp(path.join(repoRoot, '.tmp', 'worker-test-'));
  const script = path.join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src', 'worker', 'workerMain.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'sharp', 'onnxruntime-node'],
    logLevel: 'silent',
  });
  return { script, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}
