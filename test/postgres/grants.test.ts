/**
 * Just-in-time grants at the PostgreSQL door: a consumer with no standing database role
 * gets the reader role for a window; its live session ends with FATAL when the window
 * closes (or the grant is revoked), and new sessions are refused after.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { psql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: just-in-time grants', { timeout: 60_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('grant');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], default_role: 'refuse' });
    key = w.key('gina', { groups: [] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const connect = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'gina', password: key, database: db.name });
    const errors: { code?: string; message: string }[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    return { c, errors };
  };

  test('without a grant the consumer is refused', async () => {
    const r = await psql(w.pgPort, { user: 'gina', password: key, db: db.name }, ['SELECT 1']);
    assert.match(r.stderr, /FATAL:\s+consumer gina is in no group/);
  });

  test('a grant admits the session as its role; at expiry the session ends with FATAL and new ones are refused', async () => {
    const now = Date.now();
    const g = await w.warden.gateway.grants.create({ consumer: 'gina', role: 'reader', created: now, expires: now + 2500, createdBy: 'test' });
    const { c, errors } = await connect();
    const r = await c.query('SELECT current_user AS u, count(*)::int AS n FROM items');
    assert.deepEqual(r.rows[0], { u: db.reader, n: 50 });
    // Writes stay refused: the grant is the reader role.
    await assert.rejects(c.query('DELETE FROM items'), (e: { code: string }) => e.code === '42501');
    await new Promise((res) => setTimeout(res, 3000));
    await assert.rejects(c.query('SELECT 1'));
    assert.ok(errors.some((e) => e.code === '57P01' && new RegExp(`grant ${g.id} \\(role reader\\) expired`).test(e.message)), JSON.stringify(errors));
    await c.end().catch(() => undefined);
    const after = await psql(w.pgPort, { user: 'gina', password: key, db: db.name }, ['SELECT 1']);
    assert.match(after.stderr, /FATAL:/);
  });

  test('a revoked grant ends its live sessions within seconds', async () => {
    const now = Date.now();
    const g = await w.warden.gateway.grants.create({ consumer: 'gina', role: 'reader', created: now, expires: now + 3_600_000, createdBy: 'test' });
    const { c, errors } = await connect();
    assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
    await w.warden.gateway.grants.revoke(g.id, 'lead', Date.now());
    await new Promise((res) => setTimeout(res, 2000));
    await assert.rejects(c.query('SELECT 1'));
    assert.ok(errors.some((e) => e.code === '57P01' && /was revoked by lead/.test(e.message)), JSON.stringify(errors));
    await c.end().catch(() => undefined);
  });
});
