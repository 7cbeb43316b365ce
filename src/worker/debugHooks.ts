// Test-only jobs: a cancellable job that reports progress, and ways to make the worker fail.
// The worker accepts them only when started with FAIRFRAME_TEST_HOOKS=1.
import { FairframeError, assertNever, throwIfAborted } from '../engine/errors';
import type { RunOptions } from '../engine/types';
import type { CrashKind } from './protocol';

/** Runs `steps` steps of `stepMs` each, reporting progress after each and stopping when aborted. */
export async function debugWork(steps: number, stepMs: number, run: RunOptions): Promise<{ steps: number }> {
  for (let step = 0; step < steps; step++) {
    throwIfAborted(run.signal);
    await abortableSleep(stepMs, run.signal);
    run.onProgress?.({ stage: 'scan', done: step + 1, total: steps, message: `step ${step + 1}` });
  }
  return { steps };
}

/** Fails the way `kind` says: throws, exhausts the heap, aborts (SIGABRT) or segfaults (SIGSEGV). */
export function debugCrash(kind: CrashKind): never {
  switch (kind) {
    case 'throw':
      throw new Error('Test hook: a job threw an exception.');
    case 'oom': {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1_000_000).fill(hog.length + 0.5));
    }
    case 'abort':
      process.abort();
    // falls through (process.abort does not return)
    case 'segfault':
      process.kill(process.pid, 'SIGSEGV');
      // The signal is delivered asynchronously; keep the job from answering meanwhile.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    default:
      return assertNever(kind);
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new FairframeError('cancelled', 'The audit was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
