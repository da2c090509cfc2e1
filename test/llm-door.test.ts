import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startUpstream, textReply, toolUseReply, collectSse, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, GUARDS_OFF, startTestWarden, type TestWarden } from './support/warden.js';
import { auditRecordFor, readAuditRecords } from './support/audit-records.js';

const BETA = 'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,context-management-2025-06-27';

describe('LLM door with the official SDK', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }], guards: GUARDS_OFF });
    key = w.key('alice').key;
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  test('non-streaming: answered, provider key injected, client key and bytes kept as sent', async () => {
    upstream.reset();
    upstream.script(() => textReply('hello from upstream', { usage: { input_tokens: 12, output_tokens: 5 } }));
    const client = new Anthropic({ baseURL: w.url, authToken: key, apiKey: null, maxRetries: 0 });
    const msg = await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': BETA, 'x-claude-code-session-id': 'sess-1' }, query: { beta: 'true' } },
    );
    assert.equal(msg.content[0]?.type === 'text' && msg.content[0].text, 'hello from upstream');
    const [seen] = upstream.messageRequests();
    assert.ok(seen);
    assert.equal(seen.url, '/v1/messages?beta=true');
    assert.equal(seen.headers['x-api-key'], 'sk-ant-api03-real-provider-key-held-by-warden');
    assert.equal(seen.headers['authorization'], undefined, 'the virtual key never reaches the provider');
    assert.equal(seen.headers['anthropic-beta'], BETA);
    assert.equal(seen.json.model, 'claude-sonnet-4-5');
    const rec = readAuditRecords(w.auditDir).at(-1)!;
    assert.equal(rec.consumer, 'alice');
    assert.equal(rec.session_id, 'sess-1');
    assert.equal(rec.tokens_in, 12);
    assert.equal(rec.tokens_out, 5);
    assert.equal(rec.status, 200);
    assert.equal(rec.decision, 'allow');
    assert.ok(rec.cost_usd > 0);
    assert.ok(!JSON.stringify(rec).includes(key));
  });

  test('streaming: the SDK assembles the message; bytes identical to the upstream; usage and tools accounted', async () => {
    upstream.reset();
    upstream.script(() => toolUseReply({ name: 'Bash', input: { command: 'ls -la' }, text: 'let me look' }, { thinking: { thinking: 'hmm', signature: 'c2lnbmF0dXJl' }, usage: { input_tokens: 30, output_tokens: 17 } }));
    const client = new Anthropic({ baseURL: w.url, apiKey: key, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'list files' }] });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(tool && tool.type === 'tool_use' && tool.input, { command: 'ls -la' });
    const thinking = final.content.find((b) => b.type === 'thinking');
    assert.equal(thinking && thinking.type === 'thinking' && thinking.signature, 'c2lnbmF0dXJl');

    // Byte-for-byte: the same request through Warden and straight to the upstream.
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'list files' }] });
    const viaWarden = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body });
    const direct = await fetch(`${upstream.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });
    const a = Buffer.from(await viaWarden.arrayBuffer());
    const b = Buffer.from(await direct.arrayBuffer());
    assert.equal(viaWarden.headers.get('content-type'), direct.headers.get('content-type'));
    assert.match(viaWarden.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(a.equals(b), 'streamed bytes differ from the upstream');
    assert.ok(collectSse(a.toString()).some((e) => e.event === 'ping'));
    const rec = await auditRecordFor(w.auditDir, viaWarden.headers.get('x-warden-request-id')!);
    assert.deepEqual(rec.tools, ['Bash']);
    assert.equal(rec.tokens_in, 30);
    assert.equal(rec.tokens_out, 17);
  });

  test('count_tokens, models and the warm-up probe', async () => {
    const client = new Anthropic({ baseURL: w.url, authToken: key, apiKey: null, maxRetries: 0 });
    const count = await client.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'count me' }] });
    assert.ok(count.input_tokens > 0);
    const hello = await fetch(`${w.url}/api/hello`, { method: 'HEAD' });
    assert.equal(hello.status, 200);
    const scoped = w.key('bob', { models: ['claude-haiku-*'] }).key;
    const models = await new Anthropic({ baseURL: w.url, apiKey: scoped, maxRetries: 0 }).models.list();
    const upstreamIds = ((await (await fetch(`${upstream.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    const expected = upstreamIds.filter((id) => id.startsWith('claude-haiku-')).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(models.data.map((m) => m.id), expected);
  });

  test('model scope: 403 permission_error naming the model and the allowed ones, not retryable', async () => {
    const scoped = w.key('carol', { models: ['claude-haiku-*'] }).key;
    const res = await fetch(`${w.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${scoped}` },
      body: JSON.stringify({ model: 'claude-opus-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-should-retry'), 'false');
    const err = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(err.type, 'error');
    assert.equal(err.error.type, 'permission_error');
    assert.match(err.error.message, /claude-opus-4-5/);
    assert.match(err.error.message, /claude-haiku-\*/);
    const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
    assert.equal(rec.decision, 'deny');
    assert.equal(rec.rule, 'scope.key.models');
  });

  test('missing, unknown, revoked and expired keys: 401 authentication_error with x-should-retry false', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[]}' });
    const revoked = w.key('dave');
    w.warden.gateway.store.revokeKey(revoked.id, Date.now());
    const expired = w.key('erin', { expiresAt: Date.now() - 1000 });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /missing API key/],
      [{ 'x-api-key': 'wdn_not-a-real-key' }, /invalid API key/],
      [{ apikey: revoked.key }, /revoked/],
      [{ authorization: `Bearer ${expired.key}` }, /expired/],
    ];
    for (const [headers, message] of cases) {
      const res = await call(headers);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-should-retry'), 'false');
      const err = (await res.json()) as { error: { type: string; message: string } };
      assert.equal(err.error.type, 'authentication_error');
      assert.match(err.error.message, message);
    }
  });

  test('upstream error statuses and bodies are forwarded unchanged', async () => {
    upstream.reset();
    const body = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    upstream.script(() => ({ kind: 'raw', status: 529, headers: { 'content-type': 'application/json', 'x-should-retry': 'true' }, body }));
    const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' });
    assert.equal(res.status, 529);
    assert.equal(await res.text(), body);
    assert.equal(res.headers.get('x-should-retry'), 'true');
  });
});
