// One side of the host ↔ webview protocol: sends requests and matches replies, answers every incoming request
// (with an error when its handler throws), and rejects pending requests when the other side goes away.
import { DASHBOARD_PROTOCOL_VERSION, isEnvelope, type ProtocolError, type RequestMap, type RequestMessage } from './protocol';

/** A request that failed on the other side, or could not be delivered. */
export class ProtocolRequestError extends Error {
  readonly code: ProtocolError['code'];

  constructor(error: ProtocolError) {
    super(error.message);
    this.name = 'ProtocolRequestError';
    this.code = error.code;
  }

  static is(value: unknown, code?: ProtocolError['code']): value is ProtocolRequestError {
    return value instanceof ProtocolRequestError && (code === undefined || value.code === code);
  }
}

/** Answers one incoming request; the `switch` on its type lives in the caller and ends in assertNever. */
export type RequestHandler<Incoming extends RequestMap> = (request: RequestMessage<Incoming>) => Promise<unknown> | unknown;

interface Pending {
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
}

/** Sends `Outgoing` requests and answers `Incoming` ones over a `post` function; feed it every received message. */
export class MessageEndpoint<Outgoing extends RequestMap, Incoming extends RequestMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly post: (message: unknown) => void,
    private readonly handler: RequestHandler<Incoming>,
  ) {}

  /** Sends a request; resolves to the reply's body, rejects with a ProtocolRequestError. */
  request<K extends keyof Outgoing & string>(type: K, body: Outgoing[K]['body']): Promise<Outgoing[K]['reply']> {
    if (this.closed) return Promise.reject(new ProtocolRequestError({ code: 'gone', message: `Cannot send '${type}': the other side has gone away.` }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (body: unknown) => void, reject });
      try {
        this.post({ protocol: DASHBOARD_PROTOCOL_VERSION, id, type, body });
      } catch (error) {
        this.pending.delete(id);
        reject(new ProtocolRequestError({ code: 'gone', message: `Sending '${type}' failed: ${error instanceof Error ? error.message : String(error)}` }));
      }
    });
  }

  /** Handles one received message: settles the matching pending request, or answers an incoming one. Ignores foreign messages. */
  async receive(message: unknown): Promise<void> {
    if (this.closed || !isEnvelope(message)) return;
    if (message.inReplyTo !== undefined) {
      const pending = this.pending.get(message.inReplyTo);
      if (!pending) return;
      this.pending.delete(message.inReplyTo);
      if (message.error) pending.reject(new ProtocolRequestError(message.error));
      else pending.resolve(message.body);
      return;
    }
    const reply = { protocol: DASHBOARD_PROTOCOL_VERSION, id: this.nextId++, type: message.type, inReplyTo: message.id };
    if (message.protocol !== DASHBOARD_PROTOCOL_VERSION) {
      const error: ProtocolError = { code: 'bad-version', message: `Protocol version ${message.protocol} received, ${DASHBOARD_PROTOCOL_VERSION} expected: reload the dashboard.` };
      this.safePost({ ...reply, error });
      return;
    }
    try {
      const body = await this.handler(message as RequestMessage<Incoming>);
      this.safePost({ ...reply, body: body ?? {} });
    } catch (error) {
      const failure: ProtocolError = ProtocolRequestError.is(error)
        ? { code: error.code, message: error.message }
        : { code: 'failed', message: error instanceof Error ? error.message : String(error) };
      this.safePost({ ...reply, error: failure });
    }
  }

  /** Number of requests waiting for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The other side was reloaded (e.g. a hidden webview): rejects the pending requests, keeps accepting new ones. */
  rejectPending(reason: string): void {
    for (const [id, pending] of this.pending) pending.reject(new ProtocolRequestError({ code: 'gone', message: `Request ${id} got no reply: ${reason}.` }));
    this.pending.clear();
  }

  /** The other side is gone: rejects every pending request and refuses new ones. */
  dispose(): void {
    this.closed = true;
    this.rejectPending('the dashboard was closed');
  }

  private safePost(message: unknown): void {
    try {
      this.post(message);
    } catch {
      // The other side went away while the request was handled: nobody is waiting for the reply.
    }
  }
}
