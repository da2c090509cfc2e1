import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request, type Dispatcher } from 'undici';
import { startUpstream, textReply, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, GUARDS_OFF, startTestWarden, type TestWarden } from './support/warden.js';
import { createProvider } from '../src/doors/llm/providers.js';

const STREAMS = 300;

/**
 * Many agents holding long streams at once: each must reach the provider right away, not
 * wait in Warden's connection pool for another stream to end (it had a fixed cap of 128).
 * The upstream stalls every stream after its first events, so none can finish and free a
 * connection: all of them being open there at the same time is the proof, with no timing.
 */
describe('provider connection pool', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;
  const client = new Agent({ connections: null });

  before(async () => {
    upstream = await startUpstream({ script: () => textReply('a long answer', { stallAfterEvents: 2 }) });
    w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }], guards: GUARDS_OFF });
    key = w.key('alice').key;
  });
  after(async () => {
    await client.destroy();
    await upstream.close();
    await w.close();
  });

  test(`${STREAMS} concurrent streams are all open at the upstream at once`, async () => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const pending: Promise<Dispatcher.ResponseData>[] = [];
    for (let i = 0; i < STREAMS; i++) {
      pending.push(request(`${w.url}/v1/messages`, { method: 'POST', dispatcher: client, headers: { 'content-type': 'application/json', 'x-api-key': key }, body }));
    }
    const arrived = await upstream.waitForMessageRequests(STREAMS, 8_000);
    const open = arrived.filter((r) => !r.response?.complete);
    assert.equal(open.length, STREAMS, 'every stream is in flight at the upstream at the same time');
    const responses = await Promise.all(pending);
    assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([200]));
    for (const r of responses) r.body.on('error', () => {}); // ended by the cleanup below
  });

  test('max_connections caps the connections to the provider; requests past it wait in the pool', async () => {
    upstream.reset();
    upstream.script(() => textReply('a long answer', { stallAfterEvents: 2 }));
    const p = createProvider('capped', { type: 'anthropic', base_url: upstream.url, api_key: 'k', timeout_ms: 60_000, connect_timeout_ms: 5_000, max_connections: 3 });
    assert.equal(p.type, 'anthropic');
    if (p.type !== 'anthropic') return;
    try {
      const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const sent = Array.from({ length: 5 }, () => p.pool.request({ method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json' }, body }));
      for (const r of sent) r.catch(() => {}); // ended by the cleanup below
      await upstream.waitForMessageRequests(3, 8_000);
      // The streams never end, so no connection frees up: the two others stay queued for good.
      assert.deepEqual({ running: p.pool.stats.running, queued: p.pool.stats.queued }, { running: 3, queued: 2 });
      assert.equal(upstream.messageRequests().length, 3);
    } finally {
      await p.pool.destroy();
    }
  });
});
