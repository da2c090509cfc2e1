/**
 * Approvals at the PostgreSQL door (attack class 9) with node-postgres' named prepared
 * statements and psql: a data-writer's DELETE is held with an approval id, the requester
 * cannot approve it, a reviewer does, and the identical statement then runs exactly once —
 * the approval is then `executed` (when, by which session), a replay is refused naming it
 * and asks anew, and two sessions racing for it run it once; changed parameters ask anew.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { readAuditRecords } from '../support/audit-records.js';
import { adminSql, psql, run, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const LEAD = 'wadm_pg_lead_0123456789abcdefghijklmn';
const WALT = 'wadm_pg_walt_0123456789abcdefghijklmn';

describe('postgres door: approvals', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;
  let client: InstanceType<typeof pg.Client>;

  before(async () => {
    db = await testDatabase('appr');
    w = await startPgWarden(
      { roles: [{ groups: ['data-writer'], user: db.writer }] },
      { admin: { keys: [{ name: 'lead', key_sha256: sha(LEAD), role: 'approver', groups: ['platform-team'] }, { name: 'walt', key_sha256: sha(WALT), role: 'approver', groups: ['platform-team'] }] } },
    );
    key = w.key('walt', { groups: ['data-writer'] }).key;
    client = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'walt', password: key, database: db.name });
    client.on('error', () => undefined);
    await client.connect();
  });
  after(async () => {
    await client?.end().catch(() => undefined);
    await w?.close();
    await db?.drop();
  });

  const decide = async (id: string, verb: 'approve' | 'deny', adminKey: string) => {
    const r = await fetch(`${w.adminUrl}/admin/approvals/${id}/${verb}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: '{}' });
    const j = (await r.json()) as { error?: { code: string } };
    return { status: r.status, code: j.error?.code ?? null };
  };
  const del = (id: number) => client.query({ name: 'del-item', text: 'DELETE FROM items WHERE id = $1', values: [id] });
  const held = async (p: Promise<unknown>): Promise<string> => {
    const e = (await p.then(() => assert.fail('expected the statement to be held'), (x: unknown) => x)) as { code: string; message: string; detail: string; hint: string };
    assert.equal(e.code, '42501');
    assert.match(e.message, /Warden: this statement needs approval apr_\w+/);
    assert.match(e.hint, /warden approvals approve apr_\w+/);
    return /approval_id=(apr_\w+)/.exec(e.detail)![1]!;
  };

  test('a write is held with an approval id; the session stays usable meanwhile', async () => {
    const id = await held(del(7));
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 7', db.name), '1');
    const r = await client.query({ name: 'count', text: 'SELECT count(*)::int AS n FROM items' });
    assert.equal(r.rows[0].n, 50);
    // The same statement again reuses the pending approval.
    assert.equal(await held(del(7)), id);
  });

  test('the requester cannot approve; a reviewer can; the identical statement then runs once', async () => {
    const id = await held(del(7));
    assert.deepEqual(await decide(id, 'approve', WALT), { status: 403, code: 'WARDEN_E_APPROVAL_SELF' });
    assert.equal((await decide(id, 'approve', LEAD)).status, 200);
    // Changed parameters are another statement: they ask anew.
    const other = await held(del(8));
    assert.notEqual(other, id);
    const ran = await del(7);
    assert.equal(ran.rowCount, 1);
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 7', db.name), '0');
    // The approval is now executed — by this session — and says so on the admin API.
    const shown = (await (await fetch(`${w.adminUrl}/admin/approvals/${id}`, { headers: { authorization: `Bearer ${LEAD}` } })).json()) as Record<string, unknown>;
    assert.equal(shown.status, 'executed');
    assert.equal(shown.decided_by, 'lead');
    assert.match(String(shown.executed_at), /^\d{4}-.*Z$/);
    assert.match(String(shown.executed_by), /^pgs_\w+$/);
    // …and in the approval's trail: the answer, then the execution.
    assert.deepEqual((shown.events as { action: string; outcome: string; actor: string }[]).filter((e) => e.outcome !== 'refused').map((e) => [e.action, e.outcome, e.actor]), [['approve', 'approved', 'lead'], ['execute', 'executed', 'walt']]);
    // A replay of the executed statement is refused naming the executed approval, and asks a new one.
    const replay = (await del(7).then(() => assert.fail('the replay ran'), (x: unknown) => x)) as { code: string; message: string; detail: string };
    assert.equal(replay.code, '42501');
    assert.match(replay.message, new RegExp(`^Warden: approval ${id} was already executed at \\S+Z by session ${String(shown.executed_by)} and runs once \\(WARDEN_E_APPROVAL_EXECUTED\\); this statement needs approval apr_\\w+`));
    const again = /approval_id=(apr_\w+)/.exec(replay.detail)![1]!;
    assert.notEqual(again, id);
    // Answering it again is refused as executed.
    assert.deepEqual(await decide(id, 'deny', LEAD), { status: 409, code: 'WARDEN_E_APPROVAL_EXECUTED' });
    // The session's audit says which execution used it, and that the replay found it executed.
    await new Promise((res) => setTimeout(res, 400));
    const events = readAuditRecords(w.auditDir).filter((x) => x.door === 'postgres' && x.session_id === shown.executed_by).flatMap((x) => x.pg!.events);
    assert.ok(events.some((e) => e.kind === 'approval' && e.approval === id && e.outcome === 'allow' && typeof e.executed === 'number'), JSON.stringify(events.filter((e) => e.kind === 'approval')));
    assert.ok(events.some((e) => e.kind === 'approval' && e.approval === again && e.outcome === 'ask' && e.already_executed === id));
    // The trail's execution event is an audit record of its own (rule approval:<id>).
    const trail = readAuditRecords(w.auditDir).filter((x) => x.rule === `approval:${id}`);
    assert.ok(trail.some((x) => x.consumer === 'walt' && x.route === `/admin/approvals/${id}/execute` && x.decision === 'allow' && /once, by session pgs_\w+ of consumer walt at the postgres door/.test(String(x.reason))), JSON.stringify(trail));
  });

  test('two sessions racing to run one approval: exactly one runs, the other is told which session did', async () => {
    const others = await Promise.all([0, 1].map(async () => {
      const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'walt', password: key, database: db.name });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    }));
    try {
      const run = (c: InstanceType<typeof pg.Client>) => c.query({ name: 'del-race', text: 'DELETE FROM items WHERE id = $1', values: [12] });
      const id = await held(run(others[0]!));
      assert.equal((await decide(id, 'approve', LEAD)).status, 200);
      const results = await Promise.allSettled(others.map(run));
      const ran = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ rowCount: number }>[];
      const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(ran.length, 1, JSON.stringify(results.map((r) => r.status === 'rejected' ? String(r.reason) : 'ran')));
      assert.equal(ran[0]!.value.rowCount, 1);
      assert.equal(refused.length, 1);
      assert.match(String((refused[0]!.reason as Error).message), new RegExp(`approval ${id} was already executed at \\S+Z by session pgs_\\w+ and runs once \\(WARDEN_E_APPROVAL_EXECUTED\\)`));
      assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 12', db.name), '0');
    } finally {
      for (const c of others) await c.end().catch(() => undefined);
    }
  });

  test('a denied approval refuses the statement with the reviewer named', async () => {
    const id = await held(del(9));
    assert.equal((await decide(id, 'deny', LEAD)).status, 200);
    await assert.rejects(del(9), (e: { code: string; message: string }) => e.code === '42501' && /refused by lead/.test(e.message));
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 9', db.name), '1');
  });

  test('simple protocol (psql): the approval is bound to the exact text; a changed literal asks again', async () => {
    const as = (sql: string) => psql(w.pgPort, { user: 'walt', password: key, db: db.name }, [sql]);
    const first = await as("UPDATE items SET name = 'x' WHERE id = 3");
    const id = /approval (apr_\w+)/.exec(first.stderr)?.[1];
    assert.ok(id, first.stderr);
    assert.equal((await decide(id, 'approve', LEAD)).status, 200);
    const changed = await as("UPDATE items SET name = 'y' WHERE id = 3");
    assert.match(changed.stderr, /needs approval apr_/);
    assert.doesNotMatch(changed.stderr, new RegExp(id));
    const ok = await as("UPDATE items SET name = 'x' WHERE id = 3");
    assert.equal(ok.stdout.trim(), 'UPDATE 1', ok.stderr);
    assert.equal(await adminSql('SELECT name FROM items WHERE id = 3', db.name), 'x');
    // Recorded on the simple protocol too: the approval event of the execution says it was used.
    await new Promise((res) => setTimeout(res, 400));
    const recorded = readAuditRecords(w.auditDir).flatMap((x) => x.pg?.events ?? []);
    assert.ok(recorded.some((e) => e.kind === 'approval' && e.approval === id && e.outcome === 'allow' && typeof e.executed === 'number'));
    const replay = await as("UPDATE items SET name = 'x' WHERE id = 3");
    assert.match(replay.stderr, new RegExp(`ERROR:\\s+Warden: approval ${id} was already executed at \\S+ by session pgs_\\w+ and runs once \\(WARDEN_E_APPROVAL_EXECUTED\\); this statement needs approval apr_`));
  });

  test('COPY FROM STDIN is a write: held, approved, then the rows stream in through the door', async () => {
    const copy = (input: string) => run('psql', ['-X', '-At', `host=127.0.0.1 port=${w.pgPort} user=walt dbname=${db.name} sslmode=disable`, '-c', 'COPY items (id, name) FROM STDIN'], { PGPASSWORD: key }, 20_000, input);
    const first = await copy('');
    const id = /approval (apr_\w+)/.exec(first.stderr)?.[1];
    assert.ok(id, first.stderr);
    assert.equal((await decide(id, 'approve', LEAD)).status, 200);
    const rows = Array.from({ length: 500 }, (_, i) => `${1000 + i}\tcopied ${i}`).join('\n') + '\n';
    const r = await copy(rows);
    assert.equal(r.stdout.trim(), 'COPY 500', r.stderr);
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id >= 1000', db.name), '500');
  });

  test('a schema change asks the DBA group; an approver outside it cannot answer', async () => {
    const r = await psql(w.pgPort, { user: 'walt', password: key, db: db.name }, ['CREATE TABLE t_new (a int)']);
    const id = /approval (apr_\w+)/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    assert.deepEqual(await decide(id, 'approve', LEAD), { status: 403, code: 'WARDEN_E_APPROVAL_NOT_APPROVER' });
  });
});
