// The typed protocol between the host (extension or CLI) and the audit worker child process.
// Every message is an envelope; requests carry a body, replies carry `inReplyTo` and either
// a body or an error. The worker posts `ready` once, before the host sends anything.
import type { AuditResult } from '../engine/auditResult';
import type { FairframeErrorCode } from '../engine/errors';
import type { AuditOptions } from '../engine/audit';
import type { Progress, RunOptions } from '../engine/types';
import type { ModelConfig } from '../engine/config/configTypes';
import type { ExplainMethod } from '../engine/explain/explainTypes';
import type { CompareOptions } from '../engine/shift/compareDistributions';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import type { ScoreAndMitigateOptions, ScoredMitigation } from '../engine/mitigation/mitigateAudited';

/** Environment variable that enables the test-only requests (`debugCrash`, `debugWork`). */
export const TEST_HOOKS_ENV = 'FAIRFRAME_TEST_HOOKS';

/** The audit options that cross the process boundary (the signal and callback stay behind). */
export type AuditJobOptions = Omit<AuditOptions, keyof RunOptions>;

/** The shift-comparison options that cross the process boundary. */
export type ShiftJobOptions = Omit<CompareOptions, keyof RunOptions>;

/** How the test hook makes the worker fail: an exception, heap exhaustion, SIGABRT or SIGSEGV. */
export type CrashKind = 'throw' | 'oom' | 'abort' | 'segfault';

/** What an explanation overlay request asks for. */
export interface ExplainJob {
  model: string;
  image: string;
  /** Default 'gradcam' (an occlusion fallback when the model's head is unsupported). */
  method?: ExplainMethod;
  /** Model label to explain; default: the predicted class. */
  className?: string;
  /** Longest side of the overlay PNG. */
  size?: number;
  cacheDir?: string;
  /** fairframe.json whose `models` entry gives the model's labels and preprocessing; without it (and without
   * `modelConfig`) the nearest fairframe.json at or above the model's folder that declares the model. */
  configFile?: string;
  /** The fairframe.json entry the model's audit used (`{}` when it had none): wins over `configFile`. */
  modelConfig?: ModelConfig;
  /** The audited dataset's labels, for a model that declares none (the audit names its outputs by them). */
  datasetLabels?: string[];
  /** Also measure deletion and insertion AUC (Petsiuk et al. 2018). */
  faithfulness?: boolean;
}

/** An overlay as it crosses the process boundary (PNG as base64). */
export interface ExplainReply {
  pngBase64: string;
  method: string;
  className: string;
  probability: number;
  /** The model's top-1 for the image. */
  predictedName: string;
  fallbackFrom?: string;
  /** Why the requested method could not run (with fallbackFrom). */
  fallbackReason?: string;
  /** Deletion AUC (lower = more faithful) and insertion AUC (higher = more faithful), when asked for, with the AUCs of a random pixel order. */
  faithfulness?: { deletionAuc: number; insertionAuc: number; steps: number; randomDeletionAuc: number; randomInsertionAuc: number };
  milliseconds: number;
  fromCache: boolean;
}

/** Requests the host sends, each answered by exactly one reply. */
export type WorkerRequest =
  | { type: 'audit'; target: string; options: AuditJobOptions }
  | { type: 'explain'; job: ExplainJob }
  | { type: 'shift'; reference: string; target: string; options: ShiftJobOptions }
  | { type: 'mitigateThresholds'; target: string; options: ScoreAndMitigateOptions }
  | { type: 'cancel'; requestId: number }
  | { type: 'debugCrash'; kind: CrashKind }
  | { type: 'debugWork'; steps: number; stepMs: number; ignoreCancel?: boolean };

/** The reply body type for each request type. */
export interface WorkerResponseMap {
  audit: AuditResult;
  explain: ExplainReply;
  shift: ShiftResult;
  mitigateThresholds: ScoredMitigation;
  /** Whether a running request with that id was found and aborted. */
  cancel: { cancelled: boolean };
  debugCrash: { crashed: false };
  debugWork: { steps: number };
}

/** The name of each request. */
export type WorkerRequestType = WorkerRequest['type'];

/** Unsolicited messages from the worker. */
export type WorkerEvent =
  | { type: 'ready'; pid: number; testHooks: boolean }
  | { type: 'progress'; requestId: number; progress: Progress };

/** A failure as it crosses the boundary. */
export interface WireError {
  code: FairframeErrorCode;
  message: string;
  stack?: string;
}

/** Host → worker. */
export interface RequestEnvelope {
  id: number;
  body: WorkerRequest;
}

/** Worker → host: an event, a successful reply or an error reply. */
export type WorkerEnvelope =
  | { id: number; inReplyTo?: undefined; body: WorkerEvent; error?: undefined }
  | { id: number; inReplyTo: number; body: { type: WorkerRequestType; result: unknown }; error?: undefined }
  | { id: number; inReplyTo: number; body?: undefined; error: WireError };

/** True when a value received over IPC has the envelope's shape. */
export function isWorkerEnvelope(value: unknown): value is WorkerEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { id?: unknown; body?: unknown; error?: unknown };
  return typeof message.id === 'number' && (typeof message.body === 'object' || typeof message.error === 'object');
}

/** True when a value received over IPC is a request envelope. */
export function isRequestEnvelope(value: unknown): value is RequestEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { id?: unknown; body?: { type?: unknown } };
  return typeof message.id === 'number' && typeof message.body?.type === 'string';
}
