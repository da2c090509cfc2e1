/** http-logger: batching, formats, retries and the bounded queue. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../src/core/exchange.js';
import { httpLoggerSchema } from '../src/httplog/config.js';
import { HttpLogger } from '../src/httplog/logger.js';
import { Registry } from '../src/telemetry/metrics.js';
import { startCollector, waitFor } from './http-door-support.js';

function exchange(i: number, door: Exchange['door'] = 'http'): Exchange {
  return { id: `req_${i}`, door, start: Date.now(), startHr: process.hrtime.bigint(), method: 'POST', route: 'api', status: 200, consumer: { name: 'agent', groups: ['g'], labels: { level: 'staging' }, models: [] }, key: { id: 'key_abc', consumer: 'agent', models: [] }, decision: { outcome: 'allow', rule: 'default:global.allow' } };
}

test('full batches leave at once, the rest after inactive_timeout; json format is an array', async () => {
  const c = await startCollector();
  const log = new HttpLogger({ config: httpLoggerSchema.parse({ uri: c.url, batch_max_size: 3, inactive_timeout_ms: 100 }) });
  try {
    for (let i = 0; i < 4; i++) log.push(exchange(i));
    log.push(exchange(99, 'llm'));
    await waitFor(() => c.posts.length === 2);
    const batches = c.posts.map((p) => JSON.parse(p.body) as { request_id: string }[]);
    assert.deepEqual(batches.map((b) => b.length), [3, 1]);
    assert.equal(c.posts[0]!.contentType, 'application/json');
    assert.ok(!c.posts.some((p) => p.body.includes('req_99')), 'only configured doors are logged');
    const e = batches[0]![0] as unknown as Record<string, any>;
    assert.equal(e.consumer.name, 'agent');
    assert.equal(e.consumer.level, 'staging');
    assert.equal(e.key_id, 'key_abc');
    assert.equal(e.response.status, 200);
  } finally {
    await log.close();
    await c.close();
  }
});

test('elasticsearch_bulk: an action line before each document, NDJSON ending in a newline', async () => {
  const c = await startCollector();
  const log = new HttpLogger({ config: httpLoggerSchema.parse({ uri: c.url, format: 'elasticsearch_bulk', index: 'audit', batch_max_size: 2 }) });
  try {
    log.push(exchange(1));
    log.push(exchange(2));
    await waitFor(() => c.posts.length === 1);
    const body = c.posts[0]!.body;
    assert.ok(body.endsWith('\n'));
    const lines = body.slice(0, -1).split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { index: { _index: 'audit' } });
    assert.equal(lines[1].request_id, 'req_1');
    assert.deepEqual(lines[2], { index: { _index: 'audit' } });
    assert.equal(lines[3].request_id, 'req_2');
  } finally {
    await log.close();
    await c.close();
  }
});

test('a failing collector is retried with backoff, then the batch counts as dropped', async () => {
  const c = await startCollector();
  c.status = 500;
  const registry = new Registry();
  const dropped = registry.counter('warden_httplog_dropped_total', 'dropped', ['reason']);
  const log = new HttpLogger({ config: httpLoggerSchema.parse({ uri: c.url, batch_max_size: 1, max_retry: 2, retry_delay_ms: 20 }), dropped });
  try {
    log.push(exchange(1));
    await waitFor(() => dropped.get(['send_failed']) === 1);
    assert.equal(c.posts.length, 3, 'one attempt and two retries');
  } finally {
    await log.close();
    await c.close();
  }
});

test('collector down and queue full: new entries are dropped and counted, push never blocks', async () => {
  const c = await startCollector();
  await c.close();
  const registry = new Registry();
  const dropped = registry.counter('warden_httplog_dropped_total', 'dropped', ['reason']);
  const log = new HttpLogger({ config: httpLoggerSchema.parse({ uri: c.url, batch_max_size: 5, max_pending_entries: 10, max_retry: 3, retry_delay_ms: 5000 }), dropped });
  for (let i = 0; i < 30; i++) log.push(exchange(i));
  // The first batch (5) is out and retrying; 10 wait; the other 15 are dropped.
  assert.equal(dropped.get(['queue_full']), 15);
  assert.equal(log.pending, 10);
  assert.match(registry.render(), /warden_httplog_dropped_total\{reason="queue_full"\} 15/);
  const t = Date.now();
  const closing = log.close();
  await closing;
  assert.ok(Date.now() - t < 60_000);
});
