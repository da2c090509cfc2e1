import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteApprovals } from '../approvals/sqlite.js';
import { approvalsCommand, parseDuration } from './approvals.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) }, text: () => out.join(''), errors: () => err.join('') };
}

test('list, approve and deny through the same database file the server uses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-approvals-'));
  const dbPath = join(dir, 'warden.db');
  const now = Date.UTC(2026, 2, 10, 12, 0, 0);
  try {
    const server = openSqliteApprovals(dbPath);
    const base = { door: 'http', rule: 'rule:global.prod-write', approvers: [], created: now - 1000, expires: now + 3_600_000, grantTtlMs: 8 * 3_600_000 };
    const a = await server.create({ ...base, consumer: 'claude-code-staging', summary: 'http · POST /api/database/query', fingerprint: 'f1' });
    const b = await server.create({ ...base, consumer: 'ci', summary: 'http · DELETE /api/x', fingerprint: 'f2' });

    let o = io();
    assert.equal(await approvalsCommand(['list'], { dbPath, ...o, now: () => now }), 0);
    assert.ok(o.text().includes(a.id) && o.text().includes(b.id) && o.text().includes('POST /api/database/query'), o.text());

    o = io();
    assert.equal(await approvalsCommand(['approve', a.id, '--by', 'lead', '--ttl', '2h'], { dbPath, ...o, now: () => now }), 0);
    assert.equal(o.text(), `${a.id} approved: identical requests pass until 2026-03-10T14:00:00Z\n`);
    const approved = await server.get(a.id);
    assert.deepEqual({ status: approved?.status, by: approved?.decidedBy, expires: approved?.expires }, { status: 'approved', by: 'lead', expires: now + 2 * 3_600_000 });

    o = io();
    assert.equal(await approvalsCommand(['deny', b.id, '--note', 'no deletes'], { dbPath, ...o, now: () => now }), 0);
    assert.equal((await server.get(b.id))?.expires, now + 8 * 3_600_000, 'default: the grant ttl recorded when it was asked');

    o = io();
    assert.equal(await approvalsCommand(['approve', a.id], { dbPath, ...o, now: () => now }), 1);
    assert.match(o.errors(), /already approved/);
    o = io();
    assert.equal(await approvalsCommand(['approve', 'apr_nope'], { dbPath, ...o, now: () => now }), 1);
    assert.match(o.errors(), /no approval apr_nope/);

    o = io();
    await approvalsCommand(['list'], { dbPath, ...o, now: () => now });
    assert.equal(o.text(), 'no pending approvals\n');
    o = io();
    await approvalsCommand(['list', '--all', '--json'], { dbPath, ...o, now: () => now });
    assert.deepEqual(JSON.parse(o.text()).map((x: { status: string }) => x.status), ['approved', 'denied']);
    server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2', async () => {
  const dbPath = ':memory:';
  for (const argv of [[], ['frobnicate'], ['approve'], ['approve', 'a', 'b'], ['approve', 'apr_x', '--ttl', 'soon'], ['list', '--status', 'maybe'], ['list', '--bogus']]) {
    const o = io();
    assert.equal(await approvalsCommand(argv, { dbPath, ...o }), 2, argv.join(' '));
    assert.ok(o.errors().length > 0);
  }
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('8h'), 28_800_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('0h'), undefined);
  assert.equal(parseDuration('1w'), undefined);
});
