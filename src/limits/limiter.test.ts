import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGUE, WardenError } from '../core/errors.js';
import { limitsSchema, type LimitsConfigInput } from './config.js';
import { Limiter, type LimitContext, type MetricsSink } from './limiter.js';
import { MemoryBackend } from './memory.js';

const NOV_21 = Date.UTC(2026, 10, 21, 15, 30);

function setup(input: LimitsConfigInput, start = NOV_21) {
  const clock = { now: start };
  const counts = new Map<string, number>();
  const metrics: MetricsSink = {
    inc: (name, labels, v = 1) => {
      const k = `${name}${JSON.stringify(labels)}`;
      counts.set(k, (counts.get(k) ?? 0) + v);
    },
  };
  const limiter = new Limiter(limitsSchema.parse(input), new MemoryBackend(() => clock.now), metrics, { clock: () => clock.now });
  return { limiter, clock, counts };
}

const alice: LimitContext = {
  keyId: 'key_abc',
  consumer: { name: 'alice', groups: ['platform'], labels: { level: 'staging' } },
  sessionId: 'b1c2d3e4-0000-4000-8000-000000000001',
  model: 'claude-sonnet-4-5',
  estimatedInputTokens: 1000,
};
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 });

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WardenError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

test('requests per window: 429 rate_limit_error with retry-after, per key', async () => {
  const { limiter, clock, counts } = setup({ rules: [{ id: 'per-key-rpm', scope: 'key', requests: { limit: 2, window: '1m' } }] });
  await limiter.check(alice);
  clock.now += 10_000;
  await limiter.check(alice);
  const e = await refusal(limiter.check(alice));
  assert.equal(e.code, 'WARDEN_E_RATE_LIMITED');
  assert.equal(e.status, 429);
  assert.equal(CATALOGUE[e.code].anthropic, 'rate_limit_error');
  assert.equal(e.rule, 'per-key-rpm');
  assert.equal(e.headers?.['retry-after'], '50');
  assert.equal(e.message, 'rate limit of 2 requests per 1m for key key_abc reached; retry in 50s (rule per-key-rpm)');
  assert.equal(counts.get('warden_limiter_refusals_total{"rule":"per-key-rpm","limit":"requests"}'), 1);
  await limiter.check({ ...alice, keyId: 'key_other' });
  clock.now += 50_000;
  await limiter.check(alice);
});

test('a request budget answers BUDGET_EXHAUSTED (no retry) until the UTC day ends', async () => {
  const { limiter, clock } = setup({ rules: [{ id: 'daily-2', scope: 'key', requests_budget: { limit: 2, period: 'day' } }] });
  await limiter.check(alice);
  await limiter.check(alice);
  const e = await refusal(limiter.check(alice));
  assert.equal(e.code, 'WARDEN_E_BUDGET_EXHAUSTED');
  assert.equal(CATALOGUE[e.code].retry, false);
  assert.equal(e.message, 'request budget of 2 requests per day for key key_abc is spent; resets at 2026-11-22T00:00:00Z (rule daily-2)');
  assert.equal(e.headers?.['retry-after'], String(8.5 * 3600));
  clock.now = Date.UTC(2026, 10, 22, 0, 0, 1);
  await limiter.check(alice);
});

test('tokens: release refunds the reservation, settle records real usage', async () => {
  const { limiter } = setup({ rules: [{ id: 'tpm', scope: 'consumer', tokens: { limit: 10_000, window: '1m' } }] });
  const a = await limiter.check({ ...alice, estimatedInputTokens: 6000, estimatedOutputTokens: 1000 });
  assert.equal(a.reservedTokens, 7000);
  const e = await refusal(limiter.check({ ...alice, estimatedInputTokens: 4000 }));
  assert.equal(e.code, 'WARDEN_E_RATE_LIMITED');
  assert.match(e.message, /^token limit of 10000 tokens per 1m for consumer alice reached \(7000 used, this request reserves 4000\); retry in 60s/);
  await a.settle(usage(2000, 500));
  await a.settle(usage(9000, 9000)); // a second settle is ignored
  const b = await limiter.check({ ...alice, estimatedInputTokens: 7500 }); // 2500 + 7500 = 10000
  await refusal(limiter.check({ ...alice, estimatedInputTokens: 1 }));
  await b.release();
  await limiter.check({ ...alice, estimatedInputTokens: 7500 });
});

test('tokens: a request larger than the whole limit is clamped to it and admitted into an empty window', async () => {
  const { limiter, clock } = setup({ rules: [{ id: 'tpm', scope: 'key', tokens: { limit: 10_000, window: '1m' } }] });
  const a = await limiter.check({ ...alice, estimatedInputTokens: 50_000 });
  assert.equal(a.reservedTokens, 10_000);
  await a.settle(usage(48_000, 1000));
  clock.now += 60_000;
  await limiter.check({ ...alice, estimatedInputTokens: 5 });
});

test('concurrency: slots are held until settle or release', async () => {
  const { limiter } = setup({ rules: [{ id: 'two-at-once', scope: 'key', concurrent: 2 }] });
  const a = await limiter.check(alice);
  const b = await limiter.check(alice);
  const e = await refusal(limiter.check(alice));
  assert.equal(e.code, 'WARDEN_E_RATE_LIMITED');
  assert.equal(e.headers?.['retry-after'], '1');
  assert.match(e.message, /concurrency limit of 2 requests in flight for key key_abc reached/);
  await a.release();
  const c = await limiter.check(alice);
  await b.settle(usage(1, 1));
  await c.settle(usage(1, 1));
  await Promise.all([limiter.check(alice), limiter.check(alice)]);
});

test('money per day: priced from the table, reserved up front, settled to the real cost', async () => {
  // Budget $0.05; sonnet: $3/M input, $15/M output.
  const { limiter, clock } = setup({ rules: [{ id: 'cheap', scope: 'consumer', budget: { usd: 0.05, period: 'day' } }] });
  const a = await limiter.check({ ...alice, estimatedInputTokens: 10_000 }); // reserves $0.03
  await refusal(limiter.check({ ...alice, estimatedInputTokens: 10_000 })); // 0.03 + 0.03 > 0.05
  await a.settle(usage(5000, 1000)); // real: $0.015 + $0.015 = $0.03
  await limiter.check({ ...alice, estimatedInputTokens: 0 }).then((x) => x.settle(usage(0, 1000))); // + $0.015
  const e = await refusal(limiter.check({ ...alice, estimatedInputTokens: 2000 })); // 0.045 + 0.006 > 0.05
  assert.equal(e.code, 'WARDEN_E_BUDGET_EXHAUSTED');
  assert.equal(e.message, 'spending budget of $0.05 per day for consumer alice is spent ($0.04 used); resets at 2026-11-22T00:00:00Z (rule cheap)');
  assert.ok(Math.abs(limiter.cost('claude-sonnet-4-5', usage(5000, 1000)) - 0.03) < 1e-12);
  clock.now = Date.UTC(2026, 10, 22, 1);
  await limiter.check({ ...alice, estimatedInputTokens: 10_000 });
});

test('money per month resets on the first of the next month (UTC)', async () => {
  const { limiter, clock } = setup({ rules: [{ id: 'monthly', scope: 'key', budget: { usd: 1, period: 'month' } }] }, Date.UTC(2026, 10, 30, 23, 59));
  const a = await limiter.check(alice);
  await a.settle(usage(0, 100_000)); // $1.50 of output: over budget (settled debt)
  const e = await refusal(limiter.check(alice));
  assert.match(e.message, /spending budget of \$1\.00 per month for key key_abc is spent \(\$1\.50 used\); resets at 2026-12-01T00:00:00Z/);
  assert.equal(e.headers?.['retry-after'], '60');
  clock.now = Date.UTC(2026, 11, 1, 0, 0, 1);
  await limiter.check(alice);
});

test('team scope counts per group; match narrows rules by consumer, group, label and model', async () => {
  const { limiter } = setup({
    rules: [
      { id: 'team', scope: 'team', match: { groups: ['platform', 'data'] }, requests_budget: { limit: 1, period: 'total' } },
      { id: 'prod-only', scope: 'global', match: { labels: { level: 'production' } }, requests_budget: { limit: 1, period: 'total' } },
      { id: 'opus', scope: 'global', match: { models: ['claude-opus-*'], consumers: ['al*'] }, requests_budget: { limit: 1, period: 'total' } },
    ],
  });
  const bob = { ...alice, keyId: 'key_bob', consumer: { name: 'bob', groups: ['platform', 'ops'], labels: {} } };
  const carol = { ...alice, keyId: 'key_carol', consumer: { name: 'carol', groups: ['data'], labels: { level: 'production' } } };
  const dave = { ...alice, keyId: 'key_dave', consumer: { name: 'dave', groups: ['ops'], labels: {} } };
  await limiter.check(alice);
  const e = await refusal(limiter.check(bob));
  assert.match(e.message, /for team platform is spent/);
  await limiter.check(carol);
  await limiter.check(dave);
  await limiter.check(dave);
  assert.match((await refusal(limiter.check({ ...carol, consumer: { ...carol.consumer, groups: ['x'] } }))).message, /for everyone is spent \(rule prod-only\)/);
  await limiter.check({ ...dave, model: 'claude-opus-4-5' });
  await limiter.check({ ...alice, consumer: { ...alice.consumer, groups: [] }, model: 'claude-opus-4-5' });
  assert.equal((await refusal(limiter.check({ ...alice, consumer: { ...alice.consumer, groups: [] }, model: 'claude-opus-4-5' }))).rule, 'opus');
});

test('session scope: per x-claude-code-session-id; absent ids skip the rule; odd ids are hashed', async () => {
  const { limiter } = setup({ rules: [{ id: 'per-session', scope: 'session', requests_budget: { limit: 1, period: 'total' } }] });
  await limiter.check(alice);
  await refusal(limiter.check(alice));
  await limiter.check({ ...alice, sessionId: 'another-session' });
  const noSession = { ...alice, sessionId: undefined };
  await limiter.check(noSession);
  await limiter.check(noSession);
  const odd = 'x'.repeat(5000) + ':evil';
  await limiter.check({ ...alice, sessionId: odd });
  const e = await refusal(limiter.check({ ...alice, sessionId: odd }));
  assert.match(e.message, /for session h\.[0-9a-f]{32} is spent/);
});

test('all rules or none: a refusal by one rule does not charge the others', async () => {
  const { limiter } = setup({
    rules: [
      { id: 'rpm', scope: 'key', requests: { limit: 3, window: '1m' } },
      { id: 'one-at-once', scope: 'key', concurrent: 1 },
    ],
  });
  const held = await limiter.check(alice);
  await refusal(limiter.check(alice));
  await refusal(limiter.check(alice));
  await held.release();
  await limiter.check(alice).then((a) => a.release());
  await limiter.check(alice).then((a) => a.release());
  const e = await refusal(limiter.check(alice));
  assert.equal(e.rule, 'rpm');
});

test('a spent budget wins over a rate limit: retrying would not help', async () => {
  const { limiter } = setup({
    rules: [
      { id: 'rpm', scope: 'key', requests: { limit: 1, window: '1m' } },
      { id: 'total', scope: 'key', requests_budget: { limit: 1, period: 'total' } },
    ],
  });
  await limiter.check(alice);
  const e = await refusal(limiter.check(alice));
  assert.equal(e.code, 'WARDEN_E_BUDGET_EXHAUSTED');
  assert.equal(e.rule, 'total');
  assert.equal(e.headers?.['retry-after'], undefined);
  assert.equal(e.message, 'request budget of 1 requests in total for key key_abc is spent (rule total)');
});

test('no rules: check is free and cost still prices usage', async () => {
  const { limiter } = setup({});
  const a = await limiter.check(alice);
  assert.equal(a.reservedTokens, 0);
  await a.settle(usage(1, 1));
  assert.ok(limiter.cost('claude-opus-4-5', usage(1_000_000, 0)) === 5);
});
