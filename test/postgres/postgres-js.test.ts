/**
 * postgres.js (npm `postgres`) through the PostgreSQL door: it sends Parse/Describe/Flush
 * before Bind/Execute/Sync and keeps named prepared statements per connection. Reads come
 * back masked, a refused statement (alone or in a transaction) leaves the connection
 * usable, prepared statements run again with new parameters, and unnamed ones work too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { adminSql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const CARDS = /4111111111111111|5500005555555559/;

describe('postgres door: postgres.js', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;
  const clients: postgres.Sql[] = [];

  before(async () => {
    db = await testDatabase('pgjs');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], masking: { columns: ['public.cards.owner'] } });
    key = w.key('perry', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end({ timeout: 2 }).catch(() => undefined)));
    await w?.close();
    await db?.drop();
  });

  const connect = (prepare: boolean): postgres.Sql => {
    const sql = postgres({ host: '127.0.0.1', port: w.pgPort, user: 'perry', pass: key, database: db.name, ssl: false, max: 1, prepare, connect_timeout: 10, idle_timeout: 5, onnotice: () => undefined });
    clients.push(sql);
    return sql;
  };

  test('reads come back masked: detectors on card numbers, the column rule under an alias', async () => {
    const sql = connect(true);
    const rows = await sql`SELECT id, owner AS who, card, note FROM cards ORDER BY id`;
    assert.equal(rows.length, 2);
    assert.doesNotMatch(JSON.stringify(rows), CARDS);
    assert.doesNotMatch(JSON.stringify(rows.map((r) => r.who)), /ann|bob/);
    assert.match(String(rows[0]!.card), /REDACTED/);
    assert.deepEqual(rows.map((r) => [r.id, r.note]), [[1, 'first'], [2, 'second']]);
  });

  test('a refused statement answers 42501 and the same connection goes on', async () => {
    const sql = connect(true);
    const before = await sql`SELECT pg_backend_pid() AS pid`;
    await assert.rejects(sql`DELETE FROM items WHERE id = ${1}`, (e: { code?: string; message: string }) => e.code === '42501' && /Warden denied this statement/.test(e.message));
    await assert.rejects(sql`DROP TABLE items`, (e: { code?: string }) => e.code === '42501');
    const after = await sql`SELECT pg_backend_pid() AS pid, count(*)::int AS n FROM items`;
    assert.equal(after[0]!.pid, before[0]!.pid, 'one upstream connection throughout');
    assert.equal(after[0]!.n, 50);
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 1', db.name), '1');
    // Inside a transaction: the refusal aborts it like any error; the connection is clean after.
    await assert.rejects(sql.begin(async (tx) => {
      await tx`SELECT 1`;
      await tx`DELETE FROM items`;
    }), (e: { code?: string }) => e.code === '42501');
    assert.equal((await sql`SELECT count(*)::int AS n FROM items`)[0]!.n, 50);
  });

  test('named prepared statements run again with new parameters; unnamed ones work too', async () => {
    const sql = connect(true);
    for (const id of [3, 4, 5, 3]) {
      const r = await sql`SELECT name FROM items WHERE id = ${id}`;
      assert.equal(r[0]!.name, `item ${id}`);
    }
    const prepared = await sql`SELECT name FROM pg_prepared_statements`;
    assert.ok(prepared.length >= 1, 'postgres.js prepared its statements on the server');
    const masked = await sql`SELECT card FROM cards WHERE id = ${2}`;
    assert.doesNotMatch(String(masked[0]!.card), CARDS);
    const unnamed = connect(false);
    for (const id of [6, 7]) assert.equal((await unnamed`SELECT name FROM items WHERE id = ${id}`)[0]!.name, `item ${id}`);
    assert.doesNotMatch(JSON.stringify(await unnamed`SELECT * FROM cards`), CARDS);
    await assert.rejects(unnamed`UPDATE items SET name = ${'x'} WHERE id = ${6}`, (e: { code?: string }) => e.code === '42501');
    assert.equal((await unnamed`SELECT name FROM items WHERE id = ${6}`)[0]!.name, 'item 6');
  });
});
