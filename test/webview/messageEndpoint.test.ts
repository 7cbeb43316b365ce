// The protocol endpoint both sides use: replies matched to requests, every request answered, pending requests
// rejected when the other side goes away, and a peer with another protocol version refused.
import * as assert from 'node:assert/strict';
import { MessageEndpoint, ProtocolRequestError } from '../../webview/messageEndpoint';
import { DASHBOARD_PROTOCOL_VERSION } from '../../webview/protocol';

type Ping = { ping: { body: { n: number }; reply: { doubled: number } }; fail: { body: Record<string, never>; reply: never } };

function pair(): { a: MessageEndpoint<Ping, Ping>; b: MessageEndpoint<Ping, Ping>; sentByB: unknown[] } {
  const sentByB: unknown[] = [];
  const handler = (request: { type: string; body: unknown }): unknown => {
    if (request.type === 'fail') throw new Error('the handler failed on purpose');
    return { doubled: (request.body as { n: number }).n * 2 };
  };
  const a: MessageEndpoint<Ping, Ping> = new MessageEndpoint<Ping, Ping>((m) => void b.receive(m), handler);
  const b: MessageEndpoint<Ping, Ping> = new MessageEndpoint<Ping, Ping>((m) => {
    sentByB.push(m);
    void a.receive(m);
  }, handler);
  return { a, b, sentByB };
}

describe('dashboard message endpoint', () => {
  it('matches each reply to its request', async () => {
    const { a, sentByB } = pair();
    const [three, four] = await Promise.all([a.request('ping', { n: 3 }), a.request('ping', { n: 4 })]);
    assert.deepEqual([three, four], [{ doubled: 6 }, { doubled: 8 }]);
    assert.deepEqual(sentByB.map((m) => (m as { inReplyTo: number }).inReplyTo), [1, 2]);
    assert.equal(a.pendingCount, 0);
  });

  it('answers a request whose handler throws with an error reply', async () => {
    const { a } = pair();
    await assert.rejects(a.request('fail', {}), (error: unknown) => ProtocolRequestError.is(error, 'failed') && /on purpose/.test(error.message));
  });

  it('refuses a message from another protocol version with a bad-version reply', async () => {
    const replies: unknown[] = [];
    const endpoint = new MessageEndpoint<Ping, Ping>((m) => replies.push(m), () => ({ doubled: 0 }));
    await endpoint.receive({ protocol: DASHBOARD_PROTOCOL_VERSION + 1, id: 7, type: 'ping', body: { n: 1 } });
    assert.equal(replies.length, 1);
    assert.equal((replies[0] as { inReplyTo: number }).inReplyTo, 7);
    assert.equal((replies[0] as { error: { code: string } }).error.code, 'bad-version');
  });

  it('rejects pending requests when the other side goes away, and ignores foreign messages', async () => {
    const endpoint = new MessageEndpoint<Ping, Ping>(() => undefined, () => ({ doubled: 0 }));
    const pending = endpoint.request('ping', { n: 1 });
    await endpoint.receive({ hello: 'not an envelope' });
    assert.equal(endpoint.pendingCount, 1);
    endpoint.dispose();
    await assert.rejects(pending, (error: unknown) => ProtocolRequestError.is(error, 'gone'));
    await assert.rejects(endpoint.request('ping', { n: 2 }), (error: unknown) => ProtocolRequestError.is(error, 'gone'));
  });
});
