/**
 * What a live PostgreSQL session may keep doing once the facts it was admitted on change
 * (second reader's attacks, against the real server): a policy attached to the database
 * (`policy.attach.routes.<database>`) applies to it; a revoked key or a consumer whose groups
 * changed ends its live sessions; an expired credential's running query is cancelled, not left
 * to finish (and commit) after the FATAL; an approval read as a text parameter does not run
 * with the same bytes sent in binary format (another value to the server).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { adminSql, errorsOf, names, RawClient, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const LEAD = 'wadm_pg_lead_0123456789abcdefghijklmn';

describe('postgres door: a live session and what it was admitted on', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;

  before(async () => {
    db = await testDatabase('auth');
    w = await startPgWarden(
      { roles: [{ groups: ['data-reader'], user: db.reader }, { groups: ['data-writer'], user: db.writer }], default_role: 'refuse', databases: [db.name] },
      { admin: { keys: [{ name: 'lead', key_sha256: sha(LEAD), role: 'admin', groups: ['platform-team'] }] } },
    );
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const admin = (path: string, method: string, body?: unknown) =>
    fetch(`${w.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${LEAD}`, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });

  const open = async (user: string, password: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user, password, database: db.name });
    const errors: { code?: string; message: string; severity?: string }[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    return { c, errors };
  };
  const outcome = (p: Promise<unknown>) => p.then(() => 'ran', (e: Error) => e.message);
  const fatal = (errors: { code?: string; message: string; severity?: string }[], re: RegExp) =>
    assert.ok(errors.some((e) => e.code === '57P01' && e.severity === 'FATAL' && re.test(e.message)), JSON.stringify(errors));

  test('a policy attached to the database (policy.attach.routes.<database>) decides its statements, also for a session already open', async () => {
    const key = w.key('rob', { groups: ['data-reader'] }).key;
    const { c } = await open('rob', key);
    // Seen twice: the session keeps the verdict of this text (statement-policy.ts recent list).
    for (let i = 0; i < 3; i++) assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
    const r = await admin('/admin/policies', 'POST', { name: 'db-closed', rules: [{ id: 'closed', when: 'true', reason: 'this database is closed' }], attach: { routes: [db.name] } });
    assert.equal(r.status, 201, await r.text());
    try {
      assert.match(await outcome(c.query('SELECT 1 AS one')), /^Warden denied this statement \(rule rule:db-closed\.closed\): this database is closed/);
      const fresh = await open('rob', key);
      assert.match(await outcome(fresh.c.query('SELECT 1 AS one')), /rule:db-closed\.closed/);
      await fresh.c.end();
    } finally {
      assert.equal((await admin('/admin/policies/db-closed', 'DELETE')).status < 300, true);
    }
    assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1, 'detached: the reload retires the denial');
    await c.end();
  });

  test('a revoked key ends its live session within seconds', async () => {
    const k = w.key('rev', { groups: ['data-reader'] });
    const { c, errors } = await open('rev', k.key);
    assert.equal((await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n, 50);
    w.warden.gateway.store.revokeKey(k.id, Date.now());
    await new Promise((res) => setTimeout(res, 2500));
    assert.notEqual(await outcome(c.query('SELECT 1')), 'ran');
    fatal(errors, new RegExp(`^Warden: API key ${k.id} was revoked at \\S+Z \\(WARDEN_E_AUTH_REVOKED\\); this session ends`));
    await c.end().catch(() => undefined);
  });

  test("a consumer whose groups or labels changed loses its live session (they chose its role and policy); another consumer's stays", async () => {
    const k = w.key('grp', { groups: ['data-reader'] });
    const other = w.key('keep', { groups: ['data-reader'] });
    const { c, errors } = await open('grp', k.key);
    const kept = await open('keep', other.key);
    for (let i = 0; i < 3; i++) await c.query('SELECT count(*) FROM items');
    w.warden.gateway.store.upsertConsumer({ name: 'grp', groups: [], labels: {}, models: [] });
    await new Promise((res) => setTimeout(res, 2500));
    assert.notEqual(await outcome(c.query('SELECT count(*) FROM items')), 'ran');
    fatal(errors, /^Warden: the groups of consumer grp changed/);
    assert.equal((await kept.c.query('SELECT count(*)::int AS n FROM items')).rows[0].n, 50);
    // Labels too: policy rules read them (consumer.labels.level == "staging").
    w.warden.gateway.store.upsertConsumer({ name: 'keep', groups: ['data-reader'], labels: { level: 'prod' }, models: [] });
    await new Promise((res) => setTimeout(res, 2500));
    assert.notEqual(await outcome(kept.c.query('SELECT 1')), 'ran');
    fatal(kept.errors, /^Warden: the labels of consumer keep changed/);
    await kept.c.end().catch(() => undefined);
    await c.end().catch(() => undefined);
  });

  test('an expired credential: the FATAL also cancels the statement still running upstream', async () => {
    const k = w.key('slow', { groups: ['data-reader'], expiresAt: Date.now() + 2500 });
    const { c } = await open('slow', k.key);
    const app = `wt_slow_${process.pid}`;
    await c.query(`SET application_name = '${app}'`);
    try {
      assert.match(await outcome(c.query('SELECT count(*) FROM generate_series(1, 3000000000)')), /API key key_\w+ expired at \S+Z \(WARDEN_E_AUTH_EXPIRED\); this session ends/);
      let active = '1';
      for (let i = 0; i < 20 && active !== '0'; i++) {
        await new Promise((res) => setTimeout(res, 250));
        active = await adminSql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = '${app}' AND state = 'active'`);
      }
      assert.equal(active, '0', 'the scan went on running upstream after the session ended');
    } finally {
      await adminSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}'`);
      await c.end().catch(() => undefined);
    }
  });

  test('an approval read as the text parameter 1234 does not run with the bytes "1234" sent as a binary int4 (825373492)', async () => {
    const k = w.key('bin', { groups: ['data-writer'] });
    await adminSql("INSERT INTO items VALUES (1234, 'approved'), (825373492, 'target')", db.name);
    const raw = await RawClient.connect(w.pgPort);
    await raw.login('bin', k.key, db.name);
    try {
      const parse = serialize.parse({ name: 'd', text: 'DELETE FROM items WHERE id = $1', types: [23] });
      const held = await raw.roundTrip(Buffer.concat([parse, serialize.bind({ statement: 'd', values: ['1234'] }), serialize.execute({}), serialize.sync()]));
      const id = /approval_id=(apr_\w+)/.exec(errorsOf(held).map((e) => JSON.stringify(e)).join(''))?.[1];
      assert.ok(id, JSON.stringify(errorsOf(held)));
      assert.equal((await admin(`/admin/approvals/${id}/approve`, 'POST', {})).status, 200);
      // pg-protocol sends a Buffer value with format code 1 (binary).
      const binary = await raw.roundTrip(Buffer.concat([serialize.bind({ statement: 'd', values: [Buffer.from('1234')] }), serialize.execute({}), serialize.sync()]));
      assert.deepEqual(names(binary), ['error', 'readyForQuery']);
      const asked = errorsOf(binary)[0]!;
      assert.equal(asked.code, '42501');
      assert.match(asked.message, /this statement needs approval apr_\w+/);
      assert.doesNotMatch(asked.message, new RegExp(id!));
      assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 825373492', db.name), '1', 'the approval for 1234 deleted 825373492');
      // The approved text value still runs, once.
      const ran = await raw.roundTrip(Buffer.concat([serialize.bind({ statement: 'd', values: ['1234'] }), serialize.execute({}), serialize.sync()]));
      assert.deepEqual(names(ran), ['bindComplete', 'commandComplete', 'readyForQuery']);
      assert.equal(await adminSql('SELECT count(*) FROM items WHERE id IN (1234, 825373492)', db.name), '1');
    } finally {
      raw.close();
    }
  });

  test('an approved portal executed twice, pipelined, in a transaction then rolled back: the DELETE ran once, the approval is used up', async () => {
    const k = w.key('twice', { groups: ['data-writer'] });
    const raw = await RawClient.connect(w.pgPort);
    await raw.login('twice', k.key, db.name);
    try {
      const text = 'DELETE FROM items WHERE id > $1 AND id < 20 RETURNING id';
      const ask = await raw.roundTrip(Buffer.concat([serialize.parse({ name: 't', text }), serialize.bind({ statement: 't', values: ['15'] }), serialize.execute({}), serialize.sync()]));
      const id = /approval_id=(apr_\w+)/.exec(errorsOf(ask).map((e) => JSON.stringify(e)).join(''))?.[1];
      assert.ok(id);
      assert.equal((await admin(`/admin/approvals/${id}/approve`, 'POST', {})).status, 200);
      const seq = (ms: Awaited<ReturnType<RawClient['roundTrip']>>) => ms.map((m) => (m.name === 'commandComplete' ? `C:${(m as unknown as { text: string }).text}` : m.name === 'error' ? `E:${(m as unknown as { code: string }).code}` : m.name));
      await raw.roundTrip(serialize.query('BEGIN'));
      // One Bind, the portal executed in pieces and again, then a second Bind of the same approved values.
      const ran = seq(
        await raw.roundTrip(
          Buffer.concat([serialize.bind({ portal: 'p', statement: 't', values: ['15'] }), serialize.execute({ portal: 'p', rows: 2 }), serialize.execute({ portal: 'p' }), serialize.execute({ portal: 'p' }), serialize.sync()]),
        ),
      );
      assert.deepEqual(ran.filter((x) => x !== 'dataRow'), ['bindComplete', 'portalSuspended', 'C:DELETE 2', 'C:DELETE 0', 'readyForQuery']);
      assert.equal(ran.filter((x) => x === 'dataRow').length, 4, 'four rows deleted, once');
      const again = seq(await raw.roundTrip(Buffer.concat([serialize.bind({ portal: 'q', statement: 't', values: ['15'] }), serialize.execute({ portal: 'q' }), serialize.sync()])));
      assert.deepEqual(again, ['E:42501', 'readyForQuery']);
      await raw.roundTrip(serialize.query('ROLLBACK'));
      assert.equal(await adminSql('SELECT count(*) FROM items WHERE id > 15 AND id < 20', db.name), '4', 'rolled back');
      // Rolled back or not, the approval ran: a replay asks anew, naming it.
      const replay = await raw.roundTrip(Buffer.concat([serialize.bind({ statement: 't', values: ['15'] }), serialize.execute({}), serialize.sync()]));
      assert.match(errorsOf(replay)[0]!.message, new RegExp(`approval ${id} was already executed at \\S+Z by session pgs_\\w+ and runs once`));
    } finally {
      raw.close();
    }
  });

  test('a credential expiring mid-transaction and mid-COPY FROM STDIN: FATAL, the backend gone, nothing committed', async () => {
    const expires = Date.now() + 5000;
    const writer = w.key('copier', { groups: ['data-writer'], expiresAt: expires });
    const reader = w.key('txn', { groups: ['data-reader'], expiresAt: expires });
    const app = `wt_exp_${process.pid}`;
    const copy = await RawClient.connect(w.pgPort);
    await copy.login('copier', writer.key, db.name, { application_name: `${app}_copy` });
    const txn = await RawClient.connect(w.pgPort);
    await txn.login('txn', reader.key, db.name, { application_name: `${app}_txn` });
    try {
      const text = 'COPY items (id, name) FROM STDIN';
      const held = await copy.roundTrip(serialize.query(text));
      const id = /approval_id=(apr_\w+)/.exec(errorsOf(held).map((e) => JSON.stringify(e)).join(''))?.[1];
      assert.ok(id, JSON.stringify(errorsOf(held)));
      assert.equal((await admin(`/admin/approvals/${id}/approve`, 'POST', {})).status, 200);
      const from = copy.messages.length;
      copy.write(serialize.query(text));
      await copy.until((m) => m.name === 'copyInResponse', 10_000, from);
      copy.write(serialize.copyData(Buffer.from('9001\tcopied\n')));
      assert.deepEqual(names(await txn.roundTrip(serialize.query('BEGIN'))), ['commandComplete', 'readyForQuery']);
      await txn.roundTrip(serialize.query('SELECT count(*) FROM items'));
      assert.equal(await adminSql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '${app}%'`), '2');
      for (const c of [copy, txn]) {
        await c.until((m) => m.name === 'error' && (m as unknown as { code: string }).code === '57P01', 10_000);
        await c.until(() => c.closed, 5000).catch(() => undefined);
      }
      let left = '2';
      for (let i = 0; i < 20 && left !== '0'; i++) {
        await new Promise((res) => setTimeout(res, 250));
        left = await adminSql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '${app}%'`);
      }
      assert.equal(left, '0', 'a backend outlived its session');
      assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 9001', db.name), '0', 'the unfinished COPY committed');
    } finally {
      copy.close();
      txn.close();
      await adminSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '${app}%'`);
    }
  });
});
