// Worker threads for the near-duplicate search (engine: src/engine/checks/verifyPairs.ts, searchFeatures.ts,
// proposalScoring.ts). A pool's threads start when its first work comes and are kept for the work that follows
// (features, scoring, preparation, verification of one search, and of the next), then stop after IDLE_MS without
// work; an idle thread does not keep the process alive. Chunks are handed out as threads finish, so a slow chunk
// does not hold the others back.
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
/** Idle time after which a pool's threads stop (they start again on the next work). */
const IDLE_MS = 2000;

/**
 * A verifier over `threads` worker threads (default: the machine's available parallelism), or undefined
 * when only one thread is available or the thread's script cannot be found (the engine then verifies in
 * its own thread: same result, slower).
 */
export function verificationPool(threads = availableParallelism()): ParallelVerifier | undefined {
  const script = workerScript();
  if (threads < 2 || !script) return undefined;
  const pool = new ThreadPool(script);
  return {
    threads,
    verify: (shared, count, signal) =>
      pool.run(shared, [{ phase: 'prepare', count: shared.slots, chunk: CHUNK_SLOTS }, { phase: 'verify', count, chunk: CHUNK_PAIRS }], Math.min(threads, Math.ceil(count / CHUNK_PAIRS)), signal),
    features: (shared, signal) => pool.run(shared, [{ phase: 'features', count: shared.count, chunk: CHUNK_SLOTS }], Math.min(threads, Math.ceil(shared.count / CHUNK_SLOTS)), signal),
    // One unit per thread: every thread is handed its unit as it starts, so each unit has a thread of its own.
    scores: (shared, signal) => pool.run(shared, [{ phase: 'scores', count: shared.units, chunk: 1 }], Math.min(threads, shared.units), signal),
  };
}

/** One phase of a pool's work: `count` units handed out `chunk` at a time. */
interface Phase {
  phase: 'prepare' | 'verify' | 'features' | 'scores';
  count: number;
  chunk: number;
}

/** Worker threads kept between runs (one run at a time), stopped after IDLE_MS without one. */
class ThreadPool {
  private readonly workers: Worker[] = [];
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly script: WorkerScript) {}

  /**
   * Hands out, to `threads` workers, the chunks of each phase in turn over `shared` (a phase starts once the one
   * before is done: pairs read any prepared slot), until all are done; rejects on abort or a worker's error (the
   * threads are then stopped, and started afresh by the next run).
   */
  run(shared: VerifyShared | FeatureShared | ScoringShared, phases: Phase[], threads: number, signal: AbortSignal | undefined): Promise<void> {
    clearTimeout(this.idle);
    return new Promise<void>((resolve, reject) => {
      let current = 0;
      const idle: Worker[] = [];
      let next = 0;
      let pending = 0;
      let settled = false;
      const listeners: Array<[Worker, (message: unknown) => void, (error: Error) => void, (code: number) => void]> = [];
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        for (const [worker, onMessage, onError, onExit] of listeners) {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        }
        if (error) {
          this.stop();
          reject(error);
          return;
        }
        for (const worker of this.workers) worker.unref();
        this.idle = setTimeout(() => this.stop(), IDLE_MS);
        this.idle.unref();
        resolve();
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
      while (this.workers.length < threads) this.workers.push(this.start());
      const running = this.workers.slice(0, threads);
      for (const worker of running) {
        const onMessage = (): void => {
          pending--;
          dispatch(worker);
        };
        const onError = (error: Error): void => finish(error);
        const onExit = (code: number): void => finish(new Error(`A near-duplicate search thread stopped early (exit code ${code}).`));
        listeners.push([worker, onMessage, onError, onExit]);
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.ref();
        // The buffers of this run, then its chunks (messages arrive in order).
        worker.postMessage({ shared });
      }
      for (const worker of running) dispatch(worker);
    });
  }

  private start(): Worker {
    const worker = new Worker(this.script.source, { eval: this.script.eval });
    // A thread that fails between runs is dropped; the next run starts another.
    worker.on('error', () => this.drop(worker));
    worker.on('exit', () => this.drop(worker));
    return worker;
  }

  private drop(worker: Worker): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
  }

  /** Stops every thread (an idle pool's, or after a failure). */
  private stop(): void {
    clearTimeout(this.idle);
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
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
