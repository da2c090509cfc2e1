import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { limitsSchema } from './config.js';
import { formatDuration, parseDuration } from './duration.js';

const EXAMPLE = `
backend: redis
redis: { url: "redis://127.0.0.1:6379", key_prefix: "warden:", timeout_ms: 50 }
on_backend_error: fail_open
rules:
  - id: per-key-rpm
    scope: key
    requests: { limit: 60, window: 1m }
    tokens: { limit: 100000, window: 1m }
    concurrent: 4
  - id: team-money
    scope: team
    match: { groups: [platform], labels: { level: production } }
    budget: { usd: 5, period: day }
  - id: trial
    scope: key
    match: { consumers: ["trial-*"] }
    requests_budget: { limit: 2, period: total }
  - id: loops
    scope: session
    loop: { repeats: 5, window: 10m }
prices:
  - { match: "my-finetune*", input: 2, output: 8 }
`;

test('the example config resolves: durations in ms, defaults filled', () => {
  const cfg = limitsSchema.parse(parse(EXAMPLE));
  assert.equal(cfg.backend, 'redis');
  assert.equal(cfg.redis.connect_timeout_ms, 2000);
  assert.equal(cfg.lease_ttl, 60_000);
  assert.equal(cfg.builtin_prices, true);
  const [rpm, money, trial, loops] = cfg.rules;
  assert.deepEqual(rpm!.requests, { limit: 60, window: 60_000 });
  assert.deepEqual(rpm!.tokens, { limit: 100_000, window: 60_000, count: ['input', 'output'] });
  assert.equal(rpm!.concurrent, 4);
  assert.deepEqual(money!.budget, { usd: 5, period: 'day' });
  assert.deepEqual(trial!.requests_budget, { limit: 2, period: 'total' });
  assert.deepEqual(loops!.loop, { repeats: 5, window: 600_000 });
});

test('an empty section means memory backend, fail closed, no rules', () => {
  const cfg = limitsSchema.parse(undefined);
  assert.equal(cfg.backend, 'memory');
  assert.equal(cfg.on_backend_error, 'fail_closed');
  assert.deepEqual(cfg.rules, []);
});

test('bad configs name the path of the problem', () => {
  const cases: [unknown, string][] = [
    [{ rules: [{ id: 'a', scope: 'key' }] }, 'at least one of'],
    [{ rules: [{ id: 'a', scope: 'key', concurrent: 1 }, { id: 'a', scope: 'key', concurrent: 2 }] }, 'duplicate rule id a'],
    [{ rules: [{ id: 'a', scope: 'key', requests: { limit: 1, window: '1 minute' } }] }, 'a duration'],
    [{ rules: [{ id: 'a', scope: 'team', loop: { repeats: 3, window: '1m' } }] }, 'loop limits need scope'],
    [{ rules: [{ id: 'a:b', scope: 'key', concurrent: 1 }] }, 'letters, digits'],
    [{ rules: [{ id: 'a', scope: 'user', concurrent: 1 }] }, 'scope'],
  ];
  for (const [input, expected] of cases) {
    const r = limitsSchema.safeParse(input);
    assert.ok(!r.success, JSON.stringify(input));
    assert.match(JSON.stringify(r.error.issues), new RegExp(expected), JSON.stringify(r.error.issues));
  }
});

test('the section converts to JSON Schema for editors', () => {
  const schema = z.toJSONSchema(limitsSchema, { io: 'input' }) as { properties: Record<string, unknown> };
  assert.ok(schema.properties.rules && schema.properties.prices && schema.properties.on_backend_error);
});

test('durations parse and print', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.throws(() => parseDuration('1w'));
  assert.equal(formatDuration(60_000), '1m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
});
