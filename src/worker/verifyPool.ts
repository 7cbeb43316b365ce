// Worker threads for the near-duplicate verification (engine: src/engine/checks/verifyPairs.ts).
// Threads start for one verification and stop after it; chunks are handed out as threads finish,
// so a slow chunk does not hold the others back.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FairframeError } from '../engine/errors';
import type { ParallelVerifier, VerifyShared } from '../engine/checks/verifyPairs';

/** Pairs per unit of work handed to a thread. */
const CHUNK_PAIRS = 1024;

/**
 * A verifier over `threads` worker threads (default: the machine's available parallelism), or undefined
 * when only one thread is available or the thread's script cannot be found (the engine then verifies in
 * its own thread: same result, slower).
 */
export function verificationPool(threads = availableParallelism()): ParallelVerifier | undefined {
  const script = workerScript();
  if (threads < 2 || !script) return undefined;
  return { threads, verify: (shared, count, signal) => runPool(shared, count, Math.min(threads, Math.ceil(count / CHUNK_PAIRS)), script, signal) };
}

/** Hands chunks of [0, count) to `threads` workers until all are done; rejects on abort or a worker's error. */
function runPool(shared: VerifyShared, count: number, threads: number, script: WorkerScript, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let pending = 0;
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(new FairframeError('cancelled', 'The audit was cancelled.'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    const dispatch = (worker: Worker): void => {
      if (next >= count) {
        if (pending === 0) finish();
        return;
      }
      const start = next;
      next = Math.min(count, next + CHUNK_PAIRS);
      pending++;
      worker.postMessage({ start, end: next });
    };
    for (let t = 0; t < threads; t++) {
      const worker = new Worker(script.source, { eval: script.eval, workerData: shared });
      workers.push(worker);
      worker.on('message', () => {
        pending--;
        dispatch(worker);
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) => {
        if (!settled) finish(new Error(`A near-duplicate verification thread stopped early (exit code ${code}).`));
      });
      dispatch(worker);
    }
  });
}

interface WorkerScript {
  source: string;
  eval: boolean;
}

/**
 * The thread's entry: verifyWorker.js beside the bundle that runs this code (dist/); from the sources
 * (tests and scripts run through tsx), verifyWorker.ts with tsx's loader. Undefined when neither exists.
 */
function workerScript(): WorkerScript | undefined {
  const bundled = path.join(__dirname, 'verifyWorker.js');
  if (existsSync(bundled)) return { source: bundled, eval: false };
  const source = path.join(__dirname, 'verifyWorker.ts');
  if (!existsSync(source)) return undefined;
  let loader: string;
  try {
    loader = require.resolve('tsx/cjs/api');
  } catch {
    return undefined;
  }
  return { source: `require(${JSON.stringify(loader)}).register(); require(${JSON.stringify(source)});`, eval: true };
}
