/**
 * Masking through the PostgreSQL door (attack classes 5 and 8): card numbers never reach
 * the client, however the query spells them — aliases, concatenation, whole-row values,
 * COPY to STDOUT, a cast error echoing the value, RAISE NOTICE, binary result format.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { adminSql, psql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const CARDS = /4111111111111111|5500005555555559/;

describe('postgres door: masking', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('mask');
    await adminSql(
      `CREATE FUNCTION noisy(t text) RETURNS int LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'value is %', t; RETURN 1; END$$;
       GRANT EXECUTE ON FUNCTION noisy(text) TO ${db.reader};
       CREATE TABLE payments (id int, card text); INSERT INTO payments VALUES (1, '4111111111111111'), (2, 'none');
       GRANT SELECT ON payments TO ${db.reader};`,
      db.name,
    );
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], masking: { columns: ['public.cards.owner'] } });
    key = w.key('rita', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const as = (sqls: string[]) => psql(w.pgPort, { user: 'rita', password: key, db: db.name }, sqls);

  test('content detectors and column rules mask every spelling of the value', async () => {
    for (const sql of ['SELECT * FROM cards', 'SELECT card AS c FROM cards', "SELECT card || '' FROM cards", 'SELECT t FROM cards t', 'SELECT upper(card) FROM cards', 'SELECT row_to_json(c) FROM cards c']) {
      const r = await as([sql]);
      assert.equal(r.code, 0, `${sql}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, CARDS, sql);
      assert.match(r.stdout, /REDACTED|\|\|/, sql);
    }
    // The column rule covers the owner column under any alias; other columns pass.
    const r = await as(['SELECT owner AS o, note FROM cards ORDER BY id']);
    assert.doesNotMatch(r.stdout, /ann|bob/);
    assert.match(r.stdout, /first/);
  });

  test('COPY out: detectors mask the lines; a table with a masked column cannot be copied', async () => {
    const r = await as(['COPY (SELECT id, card FROM payments ORDER BY id) TO STDOUT', 'COPY payments TO STDOUT (FORMAT csv)']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, CARDS);
    assert.match(r.stdout, /^1\t\[REDACTED/m);
    assert.match(r.stdout, /^2,none$/m);
    const refused = await as(['COPY cards TO STDOUT', 'SELECT 1']);
    assert.match(refused.stderr, /ERROR:\s+Warden denied this statement \(rule mask:copy\): COPY out of/);
    assert.equal(refused.stdout.trim(), '1');
  });

  test('error and notice texts that echo the value are masked', async () => {
    const cast = await as(['SELECT card::int FROM cards']);
    assert.match(cast.stderr, /ERROR:.*for type integer/);
    assert.doesNotMatch(cast.stderr, CARDS);
    const notice = await as(['SELECT noisy(card) FROM cards']);
    assert.match(notice.stderr, /NOTICE:\s+value is/);
    assert.doesNotMatch(notice.stderr, CARDS);
  });

  test('binary result format (node-postgres): a sensitive cell becomes NULL', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'rita', password: key, database: db.name });
    await c.connect();
    try {
      // node-postgres honours `binary` per query; @types/pg only types it on the client config.
      const binary: pg.QueryConfig & { binary: boolean } = { text: 'SELECT id, card FROM cards WHERE id = $1', values: [1], binary: true };
      const r = await c.query(binary);
      assert.equal(r.rows.length, 1);
      assert.equal(r.rows[0].card, null);
      const t = await c.query({ name: 'by-id', text: 'SELECT card, note FROM cards WHERE id = $1', values: [2] });
      assert.doesNotMatch(String(t.rows[0].card), CARDS);
      assert.equal(t.rows[0].note, 'second');
    } finally {
      await c.end();
    }
  });
});
