/**
 * Limits on the LLM door, end to end: a real Warden in front of a local model server,
 * requests made over HTTP as Claude Code makes them. The limiter's own arithmetic is unit
 * tested in src/limits; here: the door charges, settles with real usage, refuses in
 * Anthropic's shape, and shares exact counters across replicas through the real Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startUpstream, textReply, toolUseReply, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, GUARDS_OFF, startTestWarden, type TestWarden } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';
import { deleteRedisKeys, requireRedis } from './support/services.js';
import type { ConfigInput } from '../src/config/schema.js';

const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

async function call(w: TestWarden, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers }, body: body(extra) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

function config(upstreamUrl: string, limits: ConfigInput['limits']): ConfigInput {
  // Admission counts are under test here; the guards (on by default) are tested on their own.
  return { providers: anthropicUpstreamConfig(upstreamUrl), models: [{ match: 'claude-*', provider: 'anthropic' }], limits, guards: GUARDS_OFF };
}

describe('limits on the LLM door (memory backend)', () => {
  let upstream: Upstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(() => upstream.close());

  test('requests per window: the third request answers 429 rate_limit_error with retry-after, retryable', async () => {
    upstream.reset();
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'rpm', scope: 'key', requests: { limit: 2, window: '1m' } }] }));
    try {
      const { key } = w.key('dev');
      assert.equal((await call(w, key)).status, 200);
      assert.equal((await call(w, key)).status, 200);
      const r = await call(w, key);
      assert.equal(r.status, 429);
      assert.equal(r.json.type, 'error');
      assert.equal(r.json.error.type, 'rate_limit_error');
      assert.match(r.json.error.message, /rate limit of 2 requests per 1m for key .* reached; retry in \d+s \(rule rpm\)/);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.notEqual(r.headers.get('x-should-retry'), 'false');
      // Another key has its own counter.
      assert.equal((await call(w, w.key('dev').key)).status, 200);
      assert.equal(upstream.messageRequests().length, 3);
      const refused = readAuditRecords(w.auditDir).find((x) => x.status === 429)!;
      assert.equal(refused.error_code, 'WARDEN_E_RATE_LIMITED');
      assert.equal(refused.rule, 'rpm');
      assert.equal(refused.decision, 'deny');
    } finally {
      await w.close();
    }
  });

  test('tokens per window are settled with the real usage the model reported', async () => {
    upstream.reset();
    upstream.script(() => textReply('long answer', { usage: { input_tokens: 10, output_tokens: 1000 } }));
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'tpm', scope: 'consumer', tokens: { limit: 1500, window: '1m', count: ['output'] } }] }));
    try {
      const { key } = w.key('writer');
      // Reserves 100 (max_tokens), settles 1000: the second still fits (1000 + 100 ≤ 1500), then 2000 are used.
      assert.equal((await call(w, key)).status, 200);
      assert.equal((await call(w, key)).status, 200);
      const r = await call(w, key);
      assert.equal(r.status, 429, r.text);
      assert.match(r.json.error.message, /token limit of 1500 tokens per 1m for consumer writer reached \(2000 used/);
      // Streaming answers are settled from the SSE usage too.
      const w2 = await startTestWarden(config(upstream.url, { rules: [{ id: 'tpm', scope: 'consumer', tokens: { limit: 1500, window: '1m', count: ['output'] } }] }));
      try {
        const k2 = w2.key('writer').key;
        assert.equal((await call(w2, k2, { stream: true })).status, 200);
        assert.equal((await call(w2, k2, { stream: true })).status, 200);
        assert.equal((await call(w2, k2, { stream: true })).status, 429);
      } finally {
        await w2.close();
      }
    } finally {
      await w.close();
    }
  });

  test('concurrent requests: a second request while one streams is refused, and admitted once it ended', async () => {
    upstream.reset();
    upstream.script(() => textReply('slow answer', { delayMs: 150 }));
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'one-at-a-time', scope: 'key', concurrent: 1 }] }));
    try {
      const { key } = w.key('dev');
      const first = call(w, key, { stream: true });
      await upstream.waitForMessageRequests(1, 5000);
      const second = await call(w, key);
      assert.equal(second.status, 429);
      assert.match(second.json.error.message, /concurrency limit of 1 requests in flight/);
      assert.equal((await first).status, 200);
      // The slot is released when the first answer finished (settle runs asynchronously).
      let third = await call(w, key);
      for (let i = 0; i < 20 && third.status === 429; i++) third = await call(w, key);
      assert.equal(third.status, 200);
    } finally {
      await w.close();
    }
  });

  test('a failed request refunds its reservation: upstream errors do not eat the request budget', async () => {
    upstream.reset();
    let fail = true;
    upstream.script(() => (fail ? { kind: 'error', status: 529, errorType: 'overloaded_error', message: 'busy', headers: {} } : textReply('ok')));
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'tokens', scope: 'key', tokens: { limit: 300, window: '1m' } }] }));
    try {
      const { key } = w.key('dev');
      for (let i = 0; i < 5; i++) assert.equal((await call(w, key)).status, 529);
      fail = false;
      assert.equal((await call(w, key)).status, 200);
    } finally {
      await w.close();
    }
  });

  test('money per day: once the budget is spent, 429 with x-should-retry false and the reset time', async () => {
    upstream.reset();
    upstream.script(() => textReply('expensive', { usage: { input_tokens: 10, output_tokens: 10_000 } }));
    const w = await startTestWarden(
      config(upstream.url, {
        prices: [{ match: 'claude-*', input: 3, output: 15 }],
        rules: [{ id: 'daily-usd', scope: 'consumer', budget: { usd: 0.2, period: 'day' } }],
      }),
    );
    try {
      const { key } = w.key('spender');
      // 10 000 output tokens at $15/M = $0.15 each.
      assert.equal((await call(w, key)).status, 200);
      assert.equal((await call(w, key)).status, 200);
      const r = await call(w, key);
      assert.equal(r.status, 429);
      assert.equal(r.json.error.type, 'rate_limit_error');
      assert.equal(r.headers.get('x-should-retry'), 'false');
      assert.match(r.json.error.message, /spending budget of \$0\.20 per day for consumer spender is spent \(\$0\.30 used\); resets at \d{4}-\d\d-\d\dT00:00:00Z \(rule daily-usd\)/);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } finally {
      await w.close();
    }
  });

  test('a runaway loop (the same tool call again and again in one session) is stopped', async () => {
    upstream.reset();
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'runaway', scope: 'session', loop: { repeats: 3, window: '10m' } }] }));
    try {
      const { key } = w.key('agent');
      const turn = (i: number) => ({
        messages: [
          { role: 'user', content: 'fix the tests' },
          { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: 'npm test' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'FAIL' }] },
        ],
      });
      const session = { 'x-claude-code-session-id': randomUUID() };
      for (let i = 0; i < 3; i++) assert.equal((await call(w, key, turn(i), session)).status, 200);
      const r = await call(w, key, turn(4), session);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('x-should-retry'), 'false');
      assert.match(r.json.error.message, /the same tool call was asked for more than 3 times within 10m in session .*: the agent looks stuck in a loop \(rule runaway\)/);
      assert.equal(readAuditRecords(w.auditDir).at(-1)!.error_code, 'WARDEN_E_LOOP_DETECTED');
      // Another session is not affected.
      assert.equal((await call(w, key, turn(5), { 'x-claude-code-session-id': randomUUID() })).status, 200);
    } finally {
      await w.close();
    }
  });

  test('a reload keeps the counters: changing the rules does not reset what was spent', async () => {
    upstream.reset();
    const w = await startTestWarden(config(upstream.url, { rules: [{ id: 'total', scope: 'key', requests_budget: { limit: 2, period: 'total' } }] }));
    try {
      const { key } = w.key('dev');
      assert.equal((await call(w, key)).status, 200);
      assert.equal((await call(w, key)).status, 200);
      assert.equal((await call(w, key)).status, 429);
      // A snapshot rebuilt from the same limits section reuses the backend.
      const snap = w.warden.gateway.current();
      const { buildSnapshotLimiter } = await import('../src/runtime/limits.js');
      const rebuilt = buildSnapshotLimiter(snap.config.limits, snap.limits, undefined);
      assert.equal(rebuilt.backend, snap.limits.backend);
    } finally {
      await w.close();
    }
  });
});

describe('limits shared by two replicas through the real Redis', () => {
  let upstream: Upstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(() => upstream.close());

  test('two Warden replicas together admit exactly the limit', async (t) => {
    const url = await requireRedis(t);
    if (!url) return;
    upstream.reset();
    const prefix = `warden-test:${randomUUID()}:`;
    // A generous round-trip bound: this checks exactness across replicas, not latency; with the
    // 50 ms default a loaded machine turned slow round trips into fail_closed 503s.
    const limits: ConfigInput['limits'] = { backend: 'redis', redis: { url, key_prefix: prefix, timeout_ms: 5000 }, rules: [{ id: 'team-rpm', scope: 'consumer', requests: { limit: 25, window: '1m' } }] };
    const a = await startTestWarden(config(upstream.url, limits));
    const b = await startTestWarden(config(upstream.url, limits));
    try {
      const ka = a.key('team').key;
      const kb = b.key('team').key;
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? call(a, ka) : call(b, kb))));
      const ok = results.filter((r) => r.status === 200).length;
      const refused = results.filter((r) => r.status === 429).length;
      assert.equal(ok, 25);
      assert.equal(refused, 35);
      assert.equal(upstream.messageRequests().length, 25);
    } finally {
      await a.close();
      await b.close();
      await deleteRedisKeys(url, prefix);
    }
  });

  test('Redis unreachable: fail_closed answers 503 overloaded_error; fail_open admits and counts it', async () => {
    upstream.reset();
    const dead = { url: 'redis://127.0.0.1:1', connect_timeout_ms: 200, timeout_ms: 50 };
    const closed = await startTestWarden(config(upstream.url, { backend: 'redis', redis: dead, rules: [{ id: 'rpm', scope: 'key', requests: { limit: 100, window: '1m' } }] }));
    try {
      const r = await call(closed, closed.key('dev').key);
      assert.equal(r.status, 503);
      assert.equal(r.json.error.type, 'overloaded_error');
      assert.match(r.json.error.message, /limiter backend is unreachable/);
      assert.equal(upstream.messageRequests().length, 0);
    } finally {
      await closed.close();
    }
    const open = await startTestWarden(config(upstream.url, { backend: 'redis', redis: dead, on_backend_error: 'fail_open', rules: [{ id: 'rpm', scope: 'key', requests: { limit: 100, window: '1m' } }] }));
    try {
      assert.equal((await call(open, open.key('dev').key)).status, 200);
      const metrics = await (await fetch(`${open.adminUrl}/metrics`)).text();
      assert.match(metrics, /warden_limiter_fail_open_total\{backend="redis"\} 1/);
    } finally {
      await open.close();
    }
  });
});
