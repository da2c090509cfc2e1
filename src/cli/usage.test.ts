import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../config/load.js';
import { openSqliteStore } from '../store/sqlite.js';
import { sinceDay, usageCommand } from './usage.js';

test('usage: tokens, requests and cost per consumer, key, model and team; money formatted; --json', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-usage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'w.db');
  const store = openSqliteStore(storePath);
  const today = new Date().toISOString().slice(0, 10);
  store.upsertConsumer({ name: 'bob', groups: ['platform', 'ml'], labels: {}, models: [] });
  store.addUsage([
    { day: today, keyId: 'key_a', consumer: 'alice', model: 'claude-haiku-4-5', requests: 3, inputTokens: 1000, outputTokens: 200, costUsd: 0.0123 },
    { day: today, keyId: 'key_b', consumer: 'bob', model: 'claude-sonnet-4-5', requests: 2, inputTokens: 1500000, outputTokens: 40000, costUsd: 1234.5 },
    { day: '2020-01-01', keyId: 'key_a', consumer: 'alice', model: 'claude-haiku-4-5', requests: 99, inputTokens: 1, outputTokens: 1, costUsd: 99 },
  ]);
  store.close();
  const config = validateConfig({ consumers: [{ name: 'alice', groups: ['platform'] }] });
  const run = (by: 'consumer' | 'key' | 'model' | 'team', json = false) => {
    let out = '';
    let err = '';
    const code = usageCommand({ config, baseDir: dir, configPath: join(dir, 'warden.yaml'), storePath, out: (s) => (out += s), err: (s) => (err += s) }, { by, since: '7d', json });
    return { code, out, err };
  };
  const byConsumer = run('consumer');
  assert.equal(byConsumer.code, 0);
  assert.equal(
    byConsumer.out,
    ['consumer  requests  input tokens  output tokens       cost', 'bob              2     1,500,000         40,000  $1,234.50', 'alice            3         1,000            200    $0.0123', ''].join('\n'),
  );
  const team = JSON.parse(run('team', true).out) as { rows: { group: string; requests: number; cost_usd: number }[] };
  assert.deepEqual(team.rows.map((r) => [r.group, r.requests]), [['platform', 5], ['ml', 2]], 'a consumer in two groups counts in both; config groups win');
  assert.deepEqual((JSON.parse(run('model', true).out) as { rows: { group: string }[] }).rows.map((r) => r.group), ['claude-sonnet-4-5', 'claude-haiku-4-5']);
  assert.deepEqual((JSON.parse(run('key', true).out) as { rows: { group: string }[] }).rows.map((r) => r.group), ['key_b', 'key_a'], 'the 2020 row is outside --since');
});

test('usage --since: a date or a span back from now; anything else is a usage error', () => {
  const now = Date.parse('2026-11-10T12:00:00Z');
  assert.equal(sinceDay('7d', now), '2026-11-03');
  assert.equal(sinceDay('36h', now), '2026-11-09');
  assert.equal(sinceDay('2026-11-01', now), '2026-11-01');
  for (const bad of ['yesterday', '7w', '', '-3d']) assert.throws(() => sinceDay(bad, now), (e: Error & { code?: string }) => e.code === 'WARDEN_E_USAGE', bad);
});
