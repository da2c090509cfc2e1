import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../core/exchange.js';
import { cut, exchangeToRecord } from './from-exchange.js';

function exchange(over: Partial<Exchange> = {}): Exchange {
  return { id: 'req_1', door: 'llm', start: 1_700_000_000_000, startHr: process.hrtime.bigint(), method: 'POST', route: '/v1/messages', ...over };
}

describe('exchangeToRecord', () => {
  test('maps a full exchange', () => {
    const ex = exchange({
      consumer: { name: 'alice', groups: ['dev'], labels: { level: 'sandbox' }, models: [] },
      key: { id: 'key_a', consumer: 'alice', models: [] },
      sessionId: 's-1',
      model: 'claude-sonnet-4',
      provider: 'anthropic',
      decision: { outcome: 'deny', rule: 'rule:no-prod', reason: 'prod is off limits' },
      status: 403,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 7 },
      costUsd: 0.00012345678,
      upstreamMs: 12.34567,
      tools: ['Bash'],
      clientAborted: true,
      startHr: process.hrtime.bigint() - 25_000_000n,
    });
    const r = exchangeToRecord(ex, Date.UTC(2025, 4, 6, 7, 8, 9, 10));
    assert.equal(r.time, '2025-05-06T07:08:09.010Z');
    assert.deepEqual(
      { ...r, latency_ms: undefined },
      {
        time: '2025-05-06T07:08:09.010Z', request_id: 'req_1', door: 'llm', method: 'POST', route: '/v1/messages',
        consumer: 'alice', key_id: 'key_a', session_id: 's-1', model: 'claude-sonnet-4', provider: 'anthropic',
        decision: 'deny', rule: 'rule:no-prod', reason: 'prod is off limits', status: 403, error_code: null,
        tokens_in: 117, tokens_out: 5, cost_usd: 0.000123, latency_ms: undefined, upstream_latency_ms: 12.346,
        tools: ['Bash'], client_aborted: true,
      },
    );
    assert.ok(r.latency_ms >= 25 && r.latency_ms < 10_000, String(r.latency_ms));
    assert.equal(Math.round(r.latency_ms * 1000), r.latency_ms * 1000);
    assert.notEqual(r.tools, ex.tools, 'tools must be copied');
  });

  test("decision is 'error' when an error code is set and nothing decided; 'allow' when neither", () => {
    const err = exchangeToRecord(exchange({ errorCode: 'WARDEN_E_AUTH_MISSING', status: 401 }), 0);
    assert.equal(err.decision, 'error');
    assert.equal(err.error_code, 'WARDEN_E_AUTH_MISSING');
    assert.equal(err.consumer, null);
    const both = exchangeToRecord(exchange({ errorCode: 'WARDEN_E_UPSTREAM_TIMEOUT', decision: { outcome: 'allow', rule: 'acl.global' } }), 0);
    assert.equal(both.decision, 'allow');
    const none = exchangeToRecord(exchange(), 0);
    assert.equal(none.decision, 'allow');
    assert.equal(none.status, 0);
    assert.equal(none.tokens_in, 0);
    assert.equal(none.cost_usd, 0);
    assert.equal(none.upstream_latency_ms, null);
    assert.deepEqual(none.tools, []);
    assert.equal(none.bodies, undefined);
  });

  test('cost rounds to 1e-6; non-finite numbers become 0', () => {
    assert.equal(exchangeToRecord(exchange({ costUsd: 1.0000004 }), 0).cost_usd, 1);
    assert.equal(exchangeToRecord(exchange({ costUsd: 0.0000015 }), 0).cost_usd, 0.000002);
    assert.equal(exchangeToRecord(exchange({ costUsd: Number.NaN }), 0).cost_usd, 0);
  });

  test('the query string is dropped from the route (keys travel there)', () => {
    assert.equal(exchangeToRecord(exchange({ route: '/api/x?key=sk-secret&a=1' }), 0).route, '/api/x');
  });

  test('the consumer falls back to the key owner', () => {
    assert.equal(exchangeToRecord(exchange({ key: { id: 'k', consumer: 'bob', models: [] } }), 0).consumer, 'bob');
  });

  test('bodies are kept when present and cut to maxBodyBytes without splitting a character', () => {
    const r = exchangeToRecord(exchange({ bodies: { request: 'é'.repeat(10), response: 'ok' } }), 0, { maxBodyBytes: 5 });
    assert.deepEqual(r.bodies, { request: 'éé…[truncated]', response: 'ok' });
    assert.equal(cut('abc', 3), 'abc');
    assert.equal(cut('a😀b', 3), 'a…[truncated]');
    assert.equal(cut('a😀b', 5), 'a😀…[truncated]');
  });
});
