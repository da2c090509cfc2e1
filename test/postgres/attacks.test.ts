/**
 * The attack classes of the PostgreSQL brief against the real server through the door:
 * 1 stacked statements, 2 spelling tricks, 3 writes that look like reads, 4 dangerous
 * functions, 6 extended-protocol desync, 7 privilege escalation, 11 driver shapes
 * (Parse/Describe/Flush first, a parser memory bomb, set_config, MERGE … DELETE).
 * Classes 5 and 8 are in masking.test.ts, 9 in approvals.test.ts, 10 in protocol.test.ts.
 * Each refused statement is checked to have left the data untouched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSql, errorsOf, names, psql, RawClient, run, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: attack classes', { timeout: 180_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('atk');
    // The reader's upstream role may even write: the door's policy is what is tested here.
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.writer }], masking: { enabled: false } });
    key = w.key('eve', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const as = (sqls: string[]) => psql(w.pgPort, { user: 'eve', password: key, db: db.name }, sqls);
  const intact = async () => {
    assert.equal(await adminSql('SELECT count(*) FROM cards', db.name), '2');
    assert.equal(await adminSql("SELECT string_agg(name, ',' ORDER BY id) FROM items WHERE id <= 2", db.name), 'item 1,item 2');
  };
  const refused = async (sql: string, why?: RegExp) => {
    const r = await as([sql, 'SELECT 4242']);
    assert.match(r.stderr, /ERROR:\s+Warden denied this statement/, `${sql}\n${r.stderr}`);
    if (why) assert.match(r.stderr, why, sql);
    assert.equal(r.stdout.trim(), '4242', `the session is usable after: ${sql}`);
    await intact();
  };

  test('1 stacked statements, escapes, dollar quotes, nested comments', async () => {
    for (const sql of [
      'SELECT 1; DROP TABLE cards',
      "SELECT E'O\\'Brien'; DELETE FROM cards",
      'SELECT $$ ; $$; DELETE FROM cards',
      'SELECT $x$ $$ ; DELETE FROM cards $$ $x$; UPDATE items SET name = 1',
      'SELECT 1 /* outer /* nested */ still comment */; DELETE FROM cards',
      "SELECT 'a'';DELETE FROM cards;--'; DELETE FROM items",
    ]) await refused(sql);
    // The harmless look-alikes pass: the parser, not a keyword match, decides.
    const ok = await as(["SELECT 'DROP TABLE cards; DELETE FROM items' AS text", 'SELECT $$DELETE FROM cards$$']);
    assert.deepEqual(ok.stdout.trim().split('\n'), ['DROP TABLE cards; DELETE FROM items', 'DELETE FROM cards']);
  });

  test('2 spelling tricks', async () => {
    for (const sql of ['DrOp DaTaBaSe postgres', 'DROP/**/DATABASE postgres', 'dElEtE FrOm cards', 'DELETE FROM U&"\\0063ards"', 'DELETE FROM "cards"', 'ALTER/* x */USER postgres SUPERUSER']) await refused(sql);
  });

  test('3 writes that look like reads', async () => {
    for (const sql of [
      'WITH d AS (DELETE FROM cards RETURNING *) SELECT * FROM d',
      'SELECT * INTO stolen FROM cards',
      'EXPLAIN ANALYZE DELETE FROM cards',
      'COPY (DELETE FROM cards RETURNING *) TO STDOUT',
      'SELECT * FROM cards FOR UPDATE',
      'SELECT * FROM (SELECT * FROM items FOR SHARE) s',
      'LOCK TABLE cards',
    ]) await refused(sql);
    assert.equal(await adminSql("SELECT count(*) FROM pg_class WHERE relname = 'stolen'", db.name), '0');
  });

  test('4 dangerous functions, also deep inside a query', async () => {
    for (const sql of [
      "SELECT pg_read_file('/etc/passwd')",
      'SELECT lo_export(1234, \'/tmp/x\')',
      "SELECT dblink_exec('dbname=postgres', 'DROP DATABASE x')",
      'SELECT pg_sleep(1e9)',
      "SELECT query_to_xml('select card from cards', true, true, '')",
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
      'SELECT 1 WHERE EXISTS (SELECT pg_advisory_lock(1))',
      'SELECT pg_catalog.pg_cancel_backend(1)',
    ]) await refused(sql);
  });

  test('5 COPY to or from a program or a server file', async () => {
    for (const sql of ["COPY cards TO PROGRAM 'cat > /tmp/x'", "COPY cards FROM PROGRAM 'id'", "COPY cards TO '/tmp/cards.csv'", "COPY cards FROM '/etc/passwd'"]) await refused(sql, /always blocked/);
  });

  test('6 extended-protocol desync: a refused unnamed Parse does not let Bind/Execute run the previous statement', async () => {
    const c = await RawClient.connect(w.pgPort);
    await c.login('eve', key, db.name);
    // A harmless unnamed statement first, completed and synced.
    let ms = await c.roundTrip(Buffer.concat([serialize.parse({ text: 'SELECT 1' }), serialize.sync()]));
    assert.deepEqual(names(ms), ['parseComplete', 'readyForQuery']);
    // Now a refused unnamed Parse, then Bind/Execute of "the unnamed statement" in the same batch.
    ms = await c.roundTrip(Buffer.concat([serialize.parse({ text: 'DELETE FROM cards' }), serialize.bind(), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['error', 'readyForQuery']);
    assert.equal(errorsOf(ms)[0]!.code, '42501');
    // And in the next batch: the unnamed statement is gone on the server too.
    ms = await c.roundTrip(Buffer.concat([serialize.bind(), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['error', 'readyForQuery']);
    assert.match(errorsOf(ms)[0]!.message, /unnamed prepared statement does not exist/);
    // A named statement that was refused does not exist either.
    ms = await c.roundTrip(Buffer.concat([serialize.parse({ name: 'evil', text: 'UPDATE items SET name = $1' }), serialize.sync()]));
    assert.equal(errorsOf(ms)[0]!.code, '42501');
    ms = await c.roundTrip(Buffer.concat([serialize.bind({ statement: 'evil', values: ['x'] }), serialize.execute(), serialize.sync()]));
    assert.match(errorsOf(ms)[0]!.message, /prepared statement "evil" does not exist/);
    // Exactly one ReadyForQuery per Sync, and the session is fine.
    ms = await c.roundTrip(serialize.query('SELECT 5'));
    assert.deepEqual(names(ms), ['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
    c.close();
    await intact();
  });

  test('7 privilege escalation: SET ROLE, SET SESSION AUTHORIZATION, set_config, search_path', async () => {
    for (const sql of [
      'SET ROLE postgres',
      'SET SESSION AUTHORIZATION postgres',
      "SELECT set_config('role', 'postgres', false)",
      "SELECT set_config('search_path', 'evil', false)",
      'SET search_path = evil, public',
      'SET default_transaction_read_only = off',
      'RESET ROLE; DELETE FROM cards',
      'DO $$BEGIN EXECUTE \'DELETE FROM cards\'; END$$',
      'PREPARE p AS DELETE FROM cards',
      'CALL some_proc()',
      'ALTER SYSTEM SET log_statement = none',
      'CREATE EXTENSION dblink',
      "LOAD 'auto_explain'",
    ]) await refused(sql);
    const r = await as(['SELECT current_user']);
    assert.equal(r.stdout.trim(), db.writer);
  });

  test('11 driver shapes: Parse/Describe/Flush first (postgres.js, libpq), then Bind/Execute/Sync', async () => {
    const c = await RawClient.connect(w.pgPort);
    await c.login('eve', key, db.name);
    let from = c.messages.length;
    c.write(Buffer.concat([serialize.parse({ name: 's1', text: 'SELECT owner FROM cards WHERE id = $1', types: [23] }), serialize.describe({ type: 'S', name: 's1' }), serialize.flush()]));
    await c.until((m) => m.name === 'rowDescription', 5000, from);
    assert.deepEqual(names(c.messages.slice(from)), ['parseComplete', 'parameterDescription', 'rowDescription']);
    let ms = await c.roundTrip(Buffer.concat([serialize.bind({ statement: 's1', values: ['1'] }), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    // A refused Parse answered at the Flush, before any Sync: the driver learns at once.
    from = c.messages.length;
    c.write(Buffer.concat([serialize.parse({ name: 's2', text: 'DELETE FROM cards WHERE id = $1' }), serialize.describe({ type: 'S', name: 's2' }), serialize.flush()]));
    const err = await c.until((m) => m.name === 'error', 5000, from);
    assert.equal((err as unknown as { code: string }).code, '42501');
    ms = await c.roundTrip(serialize.sync());
    assert.deepEqual(names(ms), ['readyForQuery']);
    // Close of statements and portals is relayed.
    ms = await c.roundTrip(Buffer.concat([serialize.close({ type: 'S', name: 's1' }), serialize.sync()]));
    assert.deepEqual(names(ms), ['closeComplete', 'readyForQuery']);
    c.close();
    await intact();
  });

  test('11 a parser memory bomb (100,000-element IN list) is refused quickly; set_config and MERGE … DELETE', async () => {
    const list = Array.from({ length: 100_000 }, (_, i) => i).join(',');
    const t0 = Date.now();
    // Sent on psql's stdin: the text is larger than a command line may be.
    const r = await run('psql', ['-X', '-At', `host=127.0.0.1 port=${w.pgPort} user=eve dbname=${db.name} sslmode=disable`], { PGPASSWORD: key }, 30_000, `SELECT * FROM items WHERE id IN (${list});\nSELECT 4242;\n`);
    assert.match(r.stderr, /ERROR:\s+Warden denied this statement.*bytes/);
    assert.equal(r.stdout.trim(), '4242');
    assert.ok(Date.now() - t0 < 10_000);
    await refused("SELECT set_config('role', 'postgres', true)");
    await refused('MERGE INTO cards c USING items i ON c.id = i.id WHEN MATCHED THEN DELETE');
  });
});
