/**
 * A Warden key revoked, or its consumer removed, while a PostgreSQL session it opened is live:
 * the session ends with FATAL 57P01 naming the catalogue code (not only at the next login),
 * the ending is recorded in the session's transcript, other consumers' sessions go on, and a
 * new login is refused. (Across worker processes: test/postgres/workers.test.ts.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { readAuditRecords } from '../support/audit-records.js';
import { psql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

/** Bounded wait for the session to end (the bound, not the speed, is what is tested). */
const ENDS_WITHIN_MS = 5_000;

describe('postgres door: revocation ends live sessions', { timeout: 60_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;

  before(async () => {
    db = await testDatabase('revoke');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }] });
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const connect = async (user: string, password: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user, password, database: db.name });
    const errors: { code?: string; message: string }[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
    return { c, errors, ended: new Promise<void>((res) => c.once('end', () => res())) };
  };

  const endsWithin = (ended: Promise<void>) =>
    Promise.race([ended.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), ENDS_WITHIN_MS))]);

  test('a key revoked mid-session ends that key\'s sessions, recorded; another key\'s session goes on', async () => {
    const revoked = w.key('rita', { groups: ['data-reader'] });
    const other = w.key('otto', { groups: ['data-reader'] });
    const a = await connect('rita', revoked.key);
    const b = await connect('rita', revoked.key);
    const o = await connect('otto', other.key);
    assert.ok(w.warden.gateway.store.revokeKey(revoked.id, Date.now()));
    assert.ok(await endsWithin(a.ended), 'the first session ended');
    assert.ok(await endsWithin(b.ended), 'the second session ended');
    for (const s of [a, b]) {
      assert.ok(s.errors.some((e) => e.code === '57P01' && e.message.includes(`API key ${revoked.id} was revoked`) && e.message.includes('WARDEN_E_AUTH_REVOKED')), JSON.stringify(s.errors));
    }
    assert.equal((await o.c.query('SELECT 2 AS two')).rows[0].two, 2, "otto's session is untouched");
    await o.c.end();
    const again = await psql(w.pgPort, { user: 'rita', password: revoked.key, db: db.name }, ['SELECT 1']);
    assert.match(again.stderr, /FATAL:.*WARDEN_E_AUTH_REVOKED/);

    await new Promise((res) => setTimeout(res, 300));
    const ended = readAuditRecords(w.auditDir).filter((r) => r.door === 'postgres' && r.consumer === 'rita').flatMap((r) => r.pg?.events ?? []);
    const recorded = ended.filter((e) => e.kind === 'error' && JSON.stringify(e).includes('WARDEN_E_AUTH_REVOKED'));
    assert.equal(recorded.length, 2, 'each ending recorded once, in its own session');
  });

  test('a consumer removed from the store ends its sessions (WARDEN_E_AUTH_CONSUMER_UNKNOWN)', async () => {
    const k = w.key('cora', { groups: ['data-reader'] });
    const s = await connect('cora', k.key);
    assert.ok(w.warden.gateway.store.deleteConsumer('cora'));
    assert.ok(await endsWithin(s.ended), 'the session ended');
    assert.ok(s.errors.some((e) => e.code === '57P01' && e.message.includes('WARDEN_E_AUTH_CONSUMER_UNKNOWN')), JSON.stringify(s.errors));
  });
});
