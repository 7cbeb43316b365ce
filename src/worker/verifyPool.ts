// Worker threads for the near-duplicate verification (engine: src/engine/checks/verifyPairs.ts).
// Threads start for one verification and stop after it; chunks are handed out as threads finish,
// so a slow chunk does not hold the others back.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FairframeError } from '../engine/errors';
import type { ParallelVerifier, VerifyShared } from '../engine/checks/verifyPairs';
import type { FeatureShared } from '../engine/checks/searchFeatures';
import type { ScoringShared } from '../engine/checks/proposalScoring';

/** Pairs per unit of work handed to a thread. */
const CHUNK_PAIRS = 1024;
/** Thumbnails per unit of preparation handed to a thread. */
const CHUNK_SLOTS = 1024;

/**
 * A verifier over `threads` worker threads (default: the machine's available parallelism), or undefined
 * when only one thread is available or the thread's script cannot be found (the engine then verifies in
 * its own thread: same result, slower).
 */
export function verificationPool(threads = availableParallelism()): ParallelVerifier | undefined {
  const script = workerScript();
  if (threads < 2 || !script) return undefined;
  return {
    threads,
    verify: (shared, count, signal) =>
      runPool(shared, [{ phase: 'prepare', count: shared.slots, chunk: CHUNK_SLOTS }, { phase: 'verify', count, chunk: CHUNK_PAIRS }], Math.min(threads, Math.ceil(count / CHUNK_PAIRS)), script, signal),
    features: (shared, signal) => runPool(shared, [{ phase: 'features', count: shared.count, chunk: CHUNK_SLOTS }], Math.min(threads, Math.ceil(shared.count / CHUNK_SLOTS)), script, signal),
    // One unit per thread: every thread is handed its unit as it starts, so each unit has a thread of its own.
    scores: (shared, signal) => runPool(shared, [{ phase: 'scores', count: shared.units, chunk: 1 }], Math.min(threads, shared.units), script, signal),
  };
}

/** One phase of a pool's work: `count` units handed out `chunk` at a time. */
interface Phase {
  phase: 'prepare' | 'verify' | 'features' | 'scores';
  count: number;
  chunk: number;
}

/**
 * Hands out, to `threads` workers sharing `shared`, the chunks of each phase in turn (a phase starts once the
 * one before is done: pairs read any prepared slot), until all are done; rejects on abort or a worker's error.
 */
function runPool(shared: VerifyShared | FeatureShared | ScoringShared, phases: Phase[], threads: number, script: WorkerScript, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let current = 0;
    const workers: Worker[] = [];
    const idle: Worker[] = [];
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
      if (settled) return;
      if (next >= phases[current].count) {
        idle.push(worker);
        if (pending > 0) return;
        // This phase is done: start the next one on every thread, or finish.
        if (current === phases.length - 1) return finish();
        current++;
        next = 0;
        for (const waiting of idle.splice(0)) dispatch(waiting);
        return;
      }
      const { phase, chunk } = phases[current];
      const start = next;
      next = Math.min(phases[current].count, next + chunk);
      pending++;
      worker.postMessage({ phase, start, end: next });
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
