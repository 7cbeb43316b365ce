// Errors carry a code; callers branch on the code, never on message text.

export type FairframeErrorCode =
  | 'path-not-found'
  | 'bad-config'
  | 'no-dataset'
  | 'bad-manifest'
  | 'bad-predictions'
  | 'cancelled'
  | 'worker-crashed'
  | 'cache-corrupt'
  | 'model-labels'
  | 'bad-model'
  | 'bad-image'
  | 'unsupported-model'
  | 'not-a-file'
  | 'too-large'
  | 'outside-root'
  | 'bad-partial'
  | 'internal';

/** An error a user can act on: says what failed, where, and the fix. */
export class FairframeError extends Error {
  readonly code: FairframeErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: FairframeErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'FairframeError';
    this.code = code;
    this.details = details;
  }

  static is(value: unknown, code?: FairframeErrorCode): value is FairframeError {
    // By name, not only instanceof: the extension host loads the engine as a second bundle with its own copy of this class.
    return value instanceof Error && value.name === 'FairframeError' && typeof (value as { code?: unknown }).code === 'string' && (code === undefined || (value as FairframeError).code === code);
  }
}

/** Throws a 'cancelled' error when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FairframeError('cancelled', 'The audit was cancelled.');
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
