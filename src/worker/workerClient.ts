// The host side of the audit worker: starts the child process lazily, sends typed requests,
// forwards progress, turns an AbortSignal into a `cancel`, and survives the child's crashes.
import { fork, type ChildProcess } from 'node:child_process';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import type { Progress, RunOptions } from '../engine/types';
import {
  isWorkerEnvelope,
  type RequestEnvelope,
  type AuditJobOptions,
  type CrashKind,
  type WorkerEnvelope,
  type WorkerRequest,
  type WorkerRequestType,
  type WorkerResponseMap,
  type ExplainJob,
  type ExplainReply,
  type ShiftJobOptions,
} from './protocol';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import type { ScoreAndMitigateOptions, ScoredMitigation } from '../engine/mitigation/mitigateAudited';

/** Levels of the client's log lines (those of a LogOutputChannel). */
export type WorkerLogLevel = 'info' | 'warn' | 'error';

/** How the child is started and where its log goes. */
export interface WorkerClientOptions {
  /** Extra Node/V8 flags for the child, after the default heap limit (so a later --max-old-space-size wins). */
  execArgv?: string[];
  /** Extra environment variables for the child (added to this process's environment). */
  env?: Record<string, string | undefined>;
  /** Receives the client's log lines and the child's stdout/stderr. */
  log?: (level: WorkerLogLevel, message: string) => void;
  /** How long a cancelled request may take to stop before its worker is killed (default 5000 ms). */
  cancelGraceMs?: number;
}

/** Heap limit of the child: exhausting it ends the child with an error instead of swapping the machine. */
export const WORKER_MAX_OLD_SPACE_MB = 4096;

interface Session {
  child: ChildProcess;
  ready: boolean;
  queue: RequestEnvelope[];
  stderrTail: string;
  killedByUs: boolean;
}

interface Pending {
  session: Session;
  type: WorkerRequestType;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: Progress) => void;
  aborted: boolean;
  cleanup: () => void;
}

/** Runs audits in a child process; every call resolves or rejects, whatever the child does. */
export class WorkerClient {
  private session: Session | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly workerScript: string, private readonly options: WorkerClientOptions = {}) {}

  /** Audits `target` in the worker. Rejects with code 'cancelled' when `signal` fires, 'worker-crashed' when the child dies. */
  audit(target: string, options: AuditJobOptions, run: RunOptions = {}): Promise<AuditResult> {
    return this.request({ type: 'audit', target, options }, run);
  }

  /** Explains one image in the worker and renders the overlay PNG (base64). */
  explain(job: ExplainJob, run: RunOptions = {}): Promise<ExplainReply> {
    return this.request({ type: 'explain', job }, run);
  }

  /** Compares the distributions of a reference and a target (`fairframe shift`). */
  shift(reference: string, target: string, options: ShiftJobOptions, run: RunOptions = {}): Promise<ShiftResult> {
    return this.request({ type: 'shift', reference, target, options }, run);
  }

  /** Scores a dataset with a model or predictions file and fits per-group thresholds (`fairframe mitigate thresholds`). */
  mitigateThresholds(target: string, options: ScoreAndMitigateOptions, run: RunOptions = {}): Promise<ScoredMitigation> {
    return this.request({ type: 'mitigateThresholds', target, options }, run);
  }

  /** Test hook: makes the worker fail in the given way (needs FAIRFRAME_TEST_HOOKS=1 in the child's environment). */
  debugCrash(kind: CrashKind): Promise<WorkerResponseMap['debugCrash']> {
    return this.request({ type: 'debugCrash', kind });
  }

  /** Test hook: a job of `steps` steps that reports progress; cancellable unless `ignoreCancel`. */
  debugWork(steps: number, stepMs: number, run: RunOptions = {}, ignoreCancel = false): Promise<WorkerResponseMap['debugWork']> {
    return this.request({ type: 'debugWork', steps, stepMs, ignoreCancel }, run);
  }

  /** Process id of the running child, if one is running. */
  get pid(): number | undefined {
    return this.session?.child.pid;
  }

  /** Sends one request and waits for its reply. */
  request<T extends Exclude<WorkerRequestType, 'cancel'>>(body: WorkerRequest & { type: T }, run: RunOptions = {}): Promise<WorkerResponseMap[T]> {
    if (this.disposed) return Promise.reject(new FairframeError('internal', 'The audit worker was shut down.'));
    if (run.signal?.aborted) return Promise.reject(cancelledError());
    const session = this.session ?? this.spawn();
    const id = this.nextId++;
    return new Promise<WorkerResponseMap[T]>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        const entry = this.pending.get(id);
        if (!entry) return;
        entry.aborted = true;
        this.sendCancel(session, id);
        graceTimer = setTimeout(() => this.abandon(id), this.options.cancelGraceMs ?? 5000);
      };
      run.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        session,
        type: body.type,
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: run.onProgress,
        aborted: false,
        cleanup: () => {
          run.signal?.removeEventListener('abort', onAbort);
          if (graceTimer) clearTimeout(graceTimer);
        },
      });
      this.post(session, { id, body });
    });
  }

  /** Kills the child and rejects whatever is still pending. */
  dispose(): void {
    this.disposed = true;
    const session = this.session;
    this.session = undefined;
    for (const [id, entry] of this.pending) this.settle(id, entry, () => entry.reject(new FairframeError('cancelled', 'The audit was stopped because Fairframe is shutting down.')));
    if (session) this.kill(session);
  }

  private spawn(): Session {
    const child = fork(this.workerScript, [], {
      execArgv: [`--max-old-space-size=${WORKER_MAX_OLD_SPACE_MB}`, ...(this.options.execArgv ?? [])],
      // In Electron-based editors process.execPath is the editor binary: make it behave as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const session: Session = { child, ready: false, queue: [], stderrTail: '', killedByUs: false };
    this.session = session;
    this.log('info', `Started the audit worker (pid ${child.pid ?? '?'}).`);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.log('info', `[worker] ${text.trimEnd()}`));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      session.stderrTail = (session.stderrTail + text).slice(-8192);
      this.log('warn', `[worker] ${text.trimEnd()}`);
    });
    child.on('message', (message: unknown) => {
      if (isWorkerEnvelope(message)) this.onMessage(session, message);
    });
    child.on('error', (error) => this.log('error', `Audit worker error: ${error.stack ?? error.message}`));
    // From its exit on, new requests go to a fresh child; 'close' then answers this one's requests.
    child.on('exit', () => {
      if (this.session === session) this.session = undefined;
    });
    // 'close' comes after the child's output is fully read, so an out-of-memory report is in the tail.
    child.on('close', (code, signal) => this.onClose(session, code, signal));
    return session;
  }

  private onMessage(session: Session, message: WorkerEnvelope): void {
    if (message.inReplyTo === undefined) {
      const event = message.body;
      if (event.type === 'ready') {
        session.ready = true;
        for (const queued of session.queue.splice(0)) session.child.send(queued);
      } else {
        const entry = this.pending.get(event.requestId);
        if (entry && !entry.aborted) entry.onProgress?.(event.progress);
      }
      return;
    }
    const entry = this.pending.get(message.inReplyTo);
    if (!entry || entry.session !== session) return;
    if (entry.aborted) {
      this.settle(message.inReplyTo, entry, () => entry.reject(cancelledError()));
    } else if (message.error) {
      const wire = message.error;
      if (wire.stack) this.log('error', `Audit worker: ${wire.stack}`);
      this.settle(message.inReplyTo, entry, () => entry.reject(new FairframeError(wire.code, wire.message, { workerStack: wire.stack })));
    } else {
      this.settle(message.inReplyTo, entry, () => entry.resolve(message.body.result));
    }
  }

  private onClose(session: Session, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.session === session) this.session = undefined;
    const outOfMemory = /heap out of memory|Allocation failed|OutOfMemory/i.test(session.stderrTail);
    const how = outOfMemory ? 'out of memory' : signal ? `signal ${signal}` : `exit code ${code}`;
    const affected = [...this.pending].filter(([, entry]) => entry.session === session);
    if (session.killedByUs) {
      // Killed on purpose (shut down, or a cancelled job that would not stop): nothing crashed.
      this.log('info', `The audit worker was stopped (${how}).`);
      for (const [id, entry] of affected) this.settle(id, entry, () => entry.reject(cancelledError()));
      return;
    }
    this.log('error', `The audit worker stopped unexpectedly (${how}).${session.stderrTail ? ` Its last output:\n${session.stderrTail}` : ''}`);
    for (const [id, entry] of affected) {
      this.settle(id, entry, () => entry.reject(entry.aborted ? cancelledError() : new FairframeError('worker-crashed',
        `The audit worker stopped unexpectedly (${how}); the editor is unaffected. Run the audit again; if it repeats, see the Fairframe output channel.`,
        { exitCode: code, signal, outOfMemory })));
    }
  }

  /** A cancelled request that did not stop in time: answer it now, and kill its worker if nothing else runs there. */
  private abandon(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    const others = [...this.pending].filter(([otherId, other]) => otherId !== id && other.session === entry.session && other.type !== 'cancel');
    this.settle(id, entry, () => entry.reject(cancelledError()));
    if (others.length === 0) {
      this.log('warn', 'A cancelled audit did not stop in time; restarting the audit worker.');
      if (this.session === entry.session) this.session = undefined;
      this.kill(entry.session);
    }
  }

  private sendCancel(session: Session, requestId: number): void {
    const id = this.nextId++;
    this.pending.set(id, { session, type: 'cancel', resolve: () => undefined, reject: () => undefined, aborted: false, cleanup: () => undefined });
    this.post(session, { id, body: { type: 'cancel', requestId } });
  }

  private post(session: Session, message: RequestEnvelope): void {
    if (!session.ready) session.queue.push(message);
    else if (session.child.connected) session.child.send(message);
  }

  private settle(id: number, entry: Pending, action: () => void): void {
    this.pending.delete(id);
    entry.cleanup();
    action();
  }

  private kill(session: Session): void {
    session.killedByUs = true;
    if (session.child.exitCode === null && session.child.signalCode === null) session.child.kill('SIGKILL');
  }

  private log(level: WorkerLogLevel, message: string): void {
    this.options.log?.(level, message);
  }
}

function cancelledError(): FairframeError {
  return new FairframeError('cancelled', 'The audit was cancelled.');
}
