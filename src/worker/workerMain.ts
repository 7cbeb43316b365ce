// Entry point of the audit worker child process (bundled to dist/worker.js). It answers every
// request it receives over IPC; a native crash here ends only this process, never the editor.
import { auditPath } from '../engine/audit';
import { FairframeError, assertNever } from '../engine/errors';
import type { RunOptions } from '../engine/types';
import { debugCrash, debugWork } from './debugHooks';
import { explainInWorker } from './explainJob';
import { compareDistributions } from '../engine/shift/compareDistributions';
import { scoreAndMitigate } from '../engine/mitigation/mitigateAudited';
import { throttleProgress } from './progressThrottle';
import { verificationPool } from './verifyPool';
import { TEST_HOOKS_ENV, isRequestEnvelope, type RequestEnvelope, type WireError, type WorkerEnvelope } from './protocol';

const testHooks = process.env[TEST_HOOKS_ENV] === '1';
const running = new Map<number, AbortController>();
let nextId = 1;

function send(message: WorkerEnvelope): void {
  if (process.connected) process.send?.(message);
}

async function dispatch(request: RequestEnvelope, run: RunOptions): Promise<unknown> {
  const body = request.body;
  switch (body.type) {
    case 'audit':
      return auditPath(body.target, { ...body.options, signal: run.signal, onProgress: run.onProgress, parallel: verificationPool() });
    case 'explain':
      return explainInWorker(body.job, run);
    case 'shift':
      return compareDistributions(body.reference, body.target, { ...body.options, signal: run.signal, onProgress: run.onProgress });
    case 'mitigateThresholds':
      return scoreAndMitigate(body.target, body.options, run);
    case 'cancel': {
      const controller = running.get(body.requestId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    }
    case 'debugCrash':
      requireTestHooks(body.type);
      return debugCrash(body.kind);
    case 'debugWork':
      requireTestHooks(body.type);
      return debugWork(body.steps, body.stepMs, body.ignoreCancel ? { onProgress: run.onProgress } : run);
    default:
      return assertNever(body);
  }
}

function requireTestHooks(type: string): void {
  if (!testHooks) throw new FairframeError('internal', `The '${type}' request is accepted only when the worker runs with ${TEST_HOOKS_ENV}=1.`);
}

function toWireError(error: unknown, aborted: boolean): WireError {
  if (FairframeError.is(error)) return { code: error.code, message: error.message, stack: error.stack };
  if (aborted) return { code: 'cancelled', message: 'The audit was cancelled.' };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Internal error in the audit worker: ${message}`, stack: error instanceof Error ? error.stack : undefined };
}

async function handle(request: RequestEnvelope): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  const onProgress = throttleProgress((progress) => send({ id: nextId++, body: { type: 'progress', requestId: request.id, progress } }));
  try {
    const result = await dispatch(request, { signal: controller.signal, onProgress });
    send({ id: nextId++, inReplyTo: request.id, body: { type: request.body.type, result } });
  } catch (error) {
    send({ id: nextId++, inReplyTo: request.id, error: toWireError(error, controller.signal.aborted) });
  } finally {
    running.delete(request.id);
  }
}

if (!process.send) {
  process.stderr.write('dist/worker.js is the Fairframe audit worker; it runs only as a child process started by Fairframe.\n');
  process.exit(2);
}
process.on('message', (message: unknown) => {
  if (isRequestEnvelope(message)) void handle(message);
});
// The host went away: nothing is left to answer to.
process.on('disconnect', () => process.exit(0));
send({ id: nextId++, body: { type: 'ready', pid: process.pid, testHooks } });
