import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../store/sqlite.js';
import { openSqliteApprovals } from './sqlite.js';
import type { NewApproval } from './types.js';

const fresh = (over: Partial<NewApproval> = {}): NewApproval => ({
  consumer: 'alice', door: 'hook', summary: 'hook · tool Bash {"command":"git push --force"}', rule: 'rule:global.force-push',
  fingerprint: 'f1', approvers: ['lead'], created: 1000, expires: 5000, grantTtlMs: 60_000, ...over,
});

test('create, find, list and decide', async () => {
  const s = openSqliteApprovals(':memory:');
  const a = await s.create(fresh());
  assert.match(a.id, /^apr_[0-9A-Za-z]{16}$/);
  assert.equal(a.status, 'pending');
  assert.deepEqual(await s.get(a.id), a);
  assert.equal((await s.findLive('alice', 'f1', 2000))?.id, a.id);
  assert.equal(await s.findLive('alice', 'f1', 5000), undefined, 'expired');
  assert.equal(await s.findLive('bob', 'f1', 2000), undefined, 'other consumer');
  assert.deepEqual((await s.list({ now: 2000 })).map((x) => x.id), [a.id]);
  assert.deepEqual(await s.list({ now: 6000 }), []);
  assert.equal((await s.list({ now: 6000, includeExpired: true })).length, 1);

  const ok = await s.decide(a.id, { status: 'approved', by: 'lead', note: 'once', now: 3000, expires: 63_000 });
  assert.deepEqual({ status: ok?.status, by: ok?.decidedBy, at: ok?.decidedAt, expires: ok?.expires, note: ok?.note }, { status: 'approved', by: 'lead', at: 3000, expires: 63_000, note: 'once' });
  assert.equal(await s.decide(a.id, { status: 'denied', by: 'x', now: 3001, expires: 9 }), undefined, 'only pending approvals are answered');
  assert.equal((await s.list({ status: 'approved', now: 10_000 })).length, 1);
  s.close();
});

test('an expired pending approval cannot be answered', async () => {
  const s = openSqliteApprovals(':memory:');
  const a = await s.create(fresh());
  assert.equal(await s.decide(a.id, { status: 'approved', by: 'lead', now: 5000, expires: 99_999 }), undefined);
  s.close();
});

test('an answered approval is found before a newer pending one (concurrent asks)', async () => {
  const s = openSqliteApprovals(':memory:');
  const older = await s.create(fresh({ created: 1000 }));
  await s.create(fresh({ created: 1500 }));
  await s.decide(older.id, { status: 'approved', by: 'lead', now: 2000, expires: 60_000 });
  assert.equal((await s.findLive('alice', 'f1', 2500))?.id, older.id);
  s.close();
});

test('lives in the same database file as the main store, from another connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-'));
  try {
    const file = join(dir, 'warden.db');
    const store = openSqliteStore(file);
    const server = openSqliteApprovals(file);
    const a = await server.create(fresh({ expires: Date.now() + 60_000 }));
    const handle = new Database(file);
    const cli = openSqliteApprovals(handle);
    await cli.decide(a.id, { status: 'approved', by: 'lead', now: Date.now(), expires: Date.now() + 60_000 });
    cli.close();
    assert.equal(handle.open, true, 'a shared handle is not closed by the approvals store');
    handle.close();
    assert.equal((await server.get(a.id))?.status, 'approved');
    const tables = new Database(file, { readonly: true }).prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    assert.ok(tables.includes('approvals') && tables.includes('keys'), String(tables));
    server.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a table from before authenticated approvers gains the decided_role, decided_via, requester_key and executed columns', async () => {
  const handle = new Database(':memory:');
  handle.exec(`CREATE TABLE approvals (id TEXT PRIMARY KEY, consumer TEXT NOT NULL, door TEXT NOT NULL, summary TEXT NOT NULL, rule TEXT NOT NULL,
    fingerprint TEXT NOT NULL, status TEXT NOT NULL, approvers TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    grant_ttl_ms INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT, note TEXT)`);
  handle.exec(`INSERT INTO approvals VALUES ('apr_old', 'alice', 'hook', 's', 'r', 'f', 'approved', '[]', 1, 9, 5, 2, 'lead', NULL)`);
  const s = openSqliteApprovals(handle);
  const old = await s.get('apr_old');
  assert.deepEqual([old?.decidedBy, old?.decidedRole, old?.decidedVia, old?.requesterKey, old?.executedAt, old?.status], ['lead', null, null, null, null, 'approved']);
  const a = await s.create({ ...fresh(), requesterKey: 'oidc_0123456789abcdef' });
  assert.equal(a.requesterKey, 'oidc_0123456789abcdef');
  const d = await s.decide(a.id, { status: 'approved', by: 'lead', role: 'approver', via: 'cli', now: 2000, expires: 9000 });
  assert.deepEqual([d?.decidedRole, d?.decidedVia, d?.requesterKey], ['approver', 'cli', 'oidc_0123456789abcdef']);
  s.close();
  handle.close();
});

test('an approved approval is executed once: by one session, then never live, listed as executed', async () => {
  const s = openSqliteApprovals(':memory:');
  const a = await s.create(fresh());
  assert.equal(await s.execute(a.id, 'pgs_a', 2000), undefined, 'a pending approval cannot run');
  await s.decide(a.id, { status: 'approved', by: 'lead', now: 2000, expires: 60_000 });
  const [first, second] = await Promise.all([s.execute(a.id, 'pgs_a', 3000), s.execute(a.id, 'pgs_b', 3000)]);
  assert.deepEqual({ status: first?.status, at: first?.executedAt, by: first?.executedBy, expires: first?.expires, decidedBy: first?.decidedBy }, { status: 'executed', at: 3000, by: 'pgs_a', expires: 60_000, decidedBy: 'lead' });
  assert.equal(second, undefined, 'a second execution is refused');
  assert.equal(await s.findLive('alice', 'f1', 4000), undefined, 'an executed approval answers no request');
  assert.equal((await s.findExecuted('alice', 'f1', 4000))?.id, a.id);
  assert.equal(await s.findExecuted('alice', 'f1', 60_000), undefined, 'past its window it is not named any more');
  assert.equal(await s.findExecuted('bob', 'f1', 4000), undefined);
  assert.deepEqual((await s.list({ status: 'executed', now: 4000 })).map((x) => x.id), [a.id]);
  assert.deepEqual(await s.list({ status: 'approved', now: 4000 }), []);
  assert.equal((await s.get(a.id))?.status, 'executed');
  const late = await s.create(fresh({ created: 1000, expires: 5000 }));
  await s.decide(late.id, { status: 'approved', by: 'lead', now: 2000, expires: 2500 });
  assert.equal(await s.execute(late.id, 'pgs_a', 2500), undefined, 'an approval past its window cannot run');
  s.close();
});

test('an events table from before executions were recorded is rebuilt to take them, keeping its rows', async () => {
  const handle = new Database(':memory:');
  handle.exec(`CREATE TABLE approval_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, approval TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
    role TEXT, via TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'denied', 'refused')), code TEXT,
    reason TEXT NOT NULL, consumer TEXT, rule TEXT, audited INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX approval_events_by_approval ON approval_events(approval, seq);
    CREATE INDEX approval_events_unaudited ON approval_events(audited, seq);`);
  handle.exec(`INSERT INTO approval_events (approval, at, actor, via, action, outcome, reason, audited) VALUES ('apr_old', 1, 'lead', 'cli', 'approve', 'approved', 'r', 1)`);
  const s = openSqliteApprovals(handle);
  const a = await s.create(fresh());
  await s.decide(a.id, { status: 'approved', by: 'lead', now: 2000, expires: 60_000 });
  assert.ok(await s.execute(a.id, 'pgs_a', 3000, 'postgres'));
  assert.deepEqual((await s.events('apr_old')).map((e) => [e.seq, e.outcome]), [[1, 'approved']]);
  assert.deepEqual((await s.events(a.id)).map((e) => [e.action, e.outcome, e.via, e.actor]), [['execute', 'executed', 'door', 'alice']]);
  assert.deepEqual((await s.claimUnaudited(10)).map((e) => e.approval), [a.id], 'audited flags kept: the old row is not audited twice');
  const indexes = handle.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'approval_events' ORDER BY name").pluck().all();
  assert.deepEqual(indexes, ['approval_events_by_approval', 'approval_events_unaudited']);
  s.close();
  openSqliteApprovals(handle).close();
  handle.close();
});
