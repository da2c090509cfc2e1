/**
 * Masking plans and verdicts a session reuses, attacked (second reader): the rows of a
 * prepared statement are masked by the columns the portal really returns — after
 * `SET search_path` the server re-plans the same statement onto another schema's table with
 * the same column names and types (no "cached plan must not change result type"), so a
 * plan taken from the statement's earlier Describe would mask the wrong table's columns.
 * The same text keeps one verdict across the simple and the extended protocol, and messages
 * split at every byte or pipelined in one chunk are decided on the bytes forwarded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { adminSql, errorsOf, names, RawClient, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: reused plans and verdicts', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('reuse');
    await adminSql(
      `CREATE SCHEMA other; CREATE TABLE other.cards (id int primary key, owner text, card text, note text);
       INSERT INTO other.cards VALUES (1, 'zed', 'none', 'secret row');
       GRANT USAGE ON SCHEMA other TO ${db.reader}; GRANT SELECT ON other.cards TO ${db.reader};`,
      db.name,
    );
    w = await startPgWarden(
      { roles: [{ groups: ['data-reader'], user: db.reader }], masking: { columns: ['other.cards.owner'] } },
      { policy: { rules: [{ id: 'search-path', action: 'allow', when: 'sql != null && sql.statements.all(s, s.kind == "set_search_path")' }] } },
    );
    key = w.key('rita', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  test('postgres.js prepared statement re-planned by SET search_path onto a table with masked columns: masked', async () => {
    const sql = postgres({ host: '127.0.0.1', port: w.pgPort, user: 'rita', password: key, database: db.name, prepare: true, max: 1, onnotice: () => undefined });
    try {
      const owners = async () => (await sql`SELECT owner FROM cards WHERE id = ${1}`).map((r) => r.owner as string);
      for (let i = 0; i < 3; i++) assert.deepEqual(await owners(), ['ann'], 'public.cards.owner has no rule');
      await sql.unsafe('SET search_path = other, public');
      const after = await owners();
      assert.notDeepEqual(after, ['zed'], 'other.cards.owner went out unmasked under the plan of public.cards');
      assert.equal(after.length, 1);
      await sql.unsafe('SET search_path = public');
      assert.deepEqual(await owners(), ['ann']);
    } finally {
      await sql.end();
    }
  });

  test('raw: Parse/Describe S first, SET search_path, then Bind/Execute of the statement: masked by the portal\'s columns', async () => {
    const raw = await RawClient.connect(w.pgPort);
    await raw.login('rita', key, db.name);
    try {
      const text = 'SELECT owner, note FROM cards WHERE id = 1';
      const described = await raw.roundTrip(Buffer.concat([serialize.parse({ name: 'o', text }), serialize.describe({ type: 'S', name: 'o' }), serialize.sync()]));
      assert.deepEqual(names(described), ['parseComplete', 'parameterDescription', 'rowDescription', 'readyForQuery']);
      const run = async () => {
        const m = await raw.roundTrip(Buffer.concat([serialize.bind({ statement: 'o' }), serialize.execute({}), serialize.sync()]));
        assert.deepEqual(errorsOf(m), []);
        return m.filter((x) => x.name === 'dataRow').map((x) => (x as unknown as { fields: (string | null)[] }).fields);
      };
      assert.deepEqual(await run(), [['ann', 'first']]);
      await raw.roundTrip(serialize.query('SET search_path = other, public'));
      const rows = await run();
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]![0], 'zed', 'the owner of other.cards went out unmasked');
      assert.equal(rows[0]![1], 'secret row', 'a column without a rule passes');
    } finally {
      raw.close();
    }
  });

  const summary = (ms: Awaited<ReturnType<RawClient['roundTrip']>>) =>
    ms.map((m) => (m.name === 'dataRow' ? `row:${(m as unknown as { fields: string[] }).fields.join('|')}` : m.name === 'error' ? `error:${(m as unknown as { code: string }).code}` : m.name));

  test('one text, one verdict: the simple and the extended protocol agree, the first time and when the verdict is reused', async () => {
    const raw = await RawClient.connect(w.pgPort);
    await raw.login('rita', key, db.name);
    try {
      const cases: [string, 'allow' | 'deny'][] = [['SELECT count(*) FROM items', 'allow'], ['DELETE FROM items WHERE id = 4', 'deny'], ['WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d', 'deny']];
      for (let round = 0; round < 3; round++) {
        for (const [text, want] of cases) {
          const simple = summary(await raw.roundTrip(serialize.query(text)));
          const extended = summary(await raw.roundTrip(Buffer.concat([serialize.parse({ text }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()])));
          if (want === 'allow') {
            assert.deepEqual(simple, ['rowDescription', 'row:50', 'commandComplete', 'readyForQuery'], `${text} (round ${round})`);
            assert.deepEqual(extended, ['parseComplete', 'bindComplete', 'rowDescription', 'row:50', 'commandComplete', 'readyForQuery'], `${text} (round ${round})`);
          } else {
            assert.deepEqual(simple, ['error:42501', 'readyForQuery'], `${text} (round ${round})`);
            assert.deepEqual(extended, ['error:42501', 'readyForQuery'], `${text} (round ${round})`);
          }
        }
      }
      assert.equal(await adminSql('SELECT count(*) FROM items', db.name), '50');
    } finally {
      raw.close();
    }
  });

  test('a pipeline in one chunk and the same pipeline split at every byte: the same answers, decided on the bytes forwarded', async () => {
    const raw = await RawClient.connect(w.pgPort);
    await raw.login('rita', key, db.name);
    raw.socket.setNoDelay(true);
    const pipeline = Buffer.concat([
      serialize.query('SELECT 1 AS a'),
      serialize.parse({ text: 'DELETE FROM items WHERE id = 3' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
      serialize.parse({ text: 'SELECT count(*) FROM items' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
      serialize.query("SELECT 2; DELETE FROM items WHERE note = 'x'"),
      serialize.query('SELECT owner FROM other.cards'),
    ]);
    const want = ['rowDescription', 'row:1', 'commandComplete', 'readyForQuery', 'error:42501', 'readyForQuery', 'parseComplete', 'bindComplete', 'row:50', 'commandComplete', 'readyForQuery', 'error:42501', 'readyForQuery'];
    try {
      for (let i = 0; i < 3; i++) {
        const got = summary(await raw.roundTrip(pipeline, 5));
        assert.deepEqual(got.slice(0, want.length), want);
        assert.equal(got.at(-1), 'readyForQuery');
        assert.ok(!got.includes('row:zed'), 'the masked owner went out');
      }
      for (let cut = 1; cut < pipeline.length; cut++) {
        const from = raw.messages.length;
        raw.write(pipeline.subarray(0, cut));
        await new Promise((r) => setTimeout(r, 1));
        raw.write(pipeline.subarray(cut));
        const readies = () => raw.messages.slice(from).filter((m) => m.name === 'readyForQuery').length;
        while (readies() < 5) await raw.until(() => readies() >= 5, 10_000, from);
        const got = summary(raw.messages.slice(from));
        assert.deepEqual(got.slice(0, want.length), want, `cut at byte ${cut}`);
        assert.ok(!got.includes('row:zed'), `cut at byte ${cut}: the masked owner went out`);
      }
      assert.equal(await adminSql('SELECT count(*) FROM items', db.name), '50');
    } finally {
      raw.close();
    }
  });
});
