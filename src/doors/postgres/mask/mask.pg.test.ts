/**
 * The masker on the exact bytes the real PostgreSQL (127.0.0.1:5432) sends: RowDescription,
 * DataRow in text and binary format, ErrorResponse, NoticeResponse and CopyData.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawPg, type RawMessage } from '../../../../test/support/pg-raw.js';
import { isListening } from '../../../../test/support/services.js';
import { loadSqlParser, classifySql } from '../sql/index.js';
import { catalogRows, columnCatalogQuery, createMasking, maskingSchema, parseDataRow, parseNoticeFields, parseRecord, buildDataRow, type Masking, type ResolvedColumns, type ResultMasker } from './index.js';

const T = `wm_cards_${process.pid}`;
const PLAIN = `wm_notes_${process.pid}`;
const VIEW = `wm_view_${process.pid}`;
const VIEW2 = `wm view2 ${process.pid}`;
const CARD = '4111 1111 1111 1111';
let pg: RawPg | null = null;
let masking: Masking;
let columns: ResolvedColumns;

const available = await isListening(5432);
if (!available && process.env.CI === 'true') throw new Error('PostgreSQL must run on 127.0.0.1:5432 in CI');

before(async () => {
  if (!available) return;
  await loadSqlParser();
  pg = await RawPg.connect();
  const setup = await pg.query(
    `DROP VIEW IF EXISTS "${VIEW2}", ${VIEW}; DROP TABLE IF EXISTS ${T}, ${PLAIN};` +
      `CREATE TABLE ${T} (id int, dropped int, number text, owner text, note text, amount numeric, big bigint);` +
      `ALTER TABLE ${T} DROP COLUMN dropped;` +
      `INSERT INTO ${T} VALUES (1, '${CARD}', 'alice', 'mail alice@example.com', 4111111111111111, 4111111111111111),` +
      `(2, '5500-0000-0000-0004', 'bob "the" (builder), jr', 'ssn 123-45-6789 order 123456789', 12.5, 7),` +
      `(3, NULL, 'carol', 'nothing here', NULL, NULL);` +
      `CREATE TABLE ${PLAIN} (id int, note text);` +
      `INSERT INTO ${PLAIN} VALUES (1, E'tab\\there alice@example.com back\\\\slash'), (2, 'plain'), (3, NULL);` +
      `CREATE VIEW ${VIEW} AS SELECT id, number AS card, upper(owner) AS who FROM ${T};` +
      `CREATE VIEW "${VIEW2}" AS SELECT card AS "the card", id FROM ${VIEW};`,
  );
  assert.ok(!setup.some((m) => m.type === 'E'), 'setup failed');
  masking = createMasking(maskingSchema.parse({ columns: [`public.${T}.number`, 'public.no_such_table.x'] }));
  columns = await masking.resolve(async (refs) => {
    const msgs = await pg!.query(columnCatalogQuery(refs));
    return catalogRows(msgs.filter((m) => m.type === 'D').map((m) => parseDataRow(m.body).map((c) => (c ? c.toString('utf8') : null))));
  });
});

after(async () => {
  if (!pg) return;
  await pg.query(`DROP VIEW IF EXISTS "${VIEW2}", ${VIEW}; DROP TABLE IF EXISTS ${T}, ${PLAIN}`);
  await pg.close();
});

/** Masks every T/D/E/N message of a captured exchange; returns the cells as text (null for NULL), the notices' texts and the masker. */
function run(msgs: RawMessage[], m: ResultMasker = masking.forSession(columns)!, formats?: number[]) {
  let plan = null as ReturnType<ResultMasker['describe']> | null;
  const rows: (string | null)[][] = [];
  const notices: string[] = [];
  for (const msg of msgs) {
    if (msg.type === 'T') plan = formats ? m.withFormats(m.describe(msg.body), formats) : m.describe(msg.body);
    else if (msg.type === 'D') {
      const out = m.maskRow(plan!, msg.body);
      const body = out ? out.subarray(5) : msg.body;
      if (out) assert.equal(out.readInt32BE(1), out.length - 1, 'rebuilt length is right');
      rows.push(parseDataRow(body).map((c) => (c === null ? null : c.toString('utf8'))));
    } else if (msg.type === 'E' || msg.type === 'N') {
      const out = m.notice(msg.type, msg.body);
      notices.push(parseNoticeFields(out ? out.subarray(5) : msg.body).map(([k, v]) => `${k}=${v}`).join('|'));
    }
  }
  return { rows, notices, m };
}

test('catalog lookup: the configured column resolves to OID and number; a missing one is reported', (t) => {
  if (!pg) return t.skip('postgres not running');
  const labels = [...columns.byColumn.values()].sort();
  assert.deepEqual(labels, [`public.${T}.number`, `public.${VIEW2}.the card`, `public.${VIEW}.card`].sort(), 'views over the column, at any depth, are covered');
  const key = [...columns.byColumn].find(([, l]) => l === `public.${T}.number`)![0];
  assert.match(key, /^\d+:3$/, 'number is attribute 3 (the dropped column keeps its number)');
  const table = [...columns.rowTypes.values()].find((r) => r.table === `public.${T}`)!;
  assert.deepEqual([...table.positions], [[1, `public.${T}.number`]], 'position 1 among live columns');
  assert.deepEqual(columns.missing, ['public.no_such_table.x']);
});

test('every DataRow of the real server round-trips through parse and rebuild byte for byte', async (t) => {
  if (!pg) return t.skip('postgres not running');
  for (const msg of await pg.query(`SELECT * FROM ${T}; SELECT ${T} FROM ${T}`)) {
    if (msg.type === 'D') assert.deepEqual(buildDataRow(parseDataRow(msg.body)).subarray(5), msg.body);
  }
});

test('SELECT *: the rule column is masked whole, content detectors mask e-mail and dashed SSN, not a bare 9-digit number', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { rows, m } = run(await pg.query(`SELECT * FROM ${T} ORDER BY id`));
  const rule = `[REDACTED:public.${T}.number]`;
  assert.deepEqual(rows[0]!.slice(0, 4), ['1', rule, 'alice', 'mail [REDACTED:email]']);
  assert.equal(rows[1]![1], rule);
  assert.equal(rows[1]![3], 'ssn [REDACTED:ssn] order 123456789');
  assert.deepEqual(rows[2], ['3', null, 'carol', 'nothing here', null, null], 'NULL stays NULL, clean rows untouched');
  // amount (numeric) and big (bigint) hold a Luhn-valid card: a placeholder is no number, so NULL.
  assert.equal(rows[0]![4], null);
  assert.equal(rows[0]![5], null);
  assert.equal(rows[1]![4], '12.5');
  assert.equal(m.counts.rows, 3);
  assert.equal(m.counts.byReason[`column:public.${T}.number`], 2);
  assert.equal(m.counts.cellsNulled, 2);
});

test('aliases and expressions: `number AS n` is caught by the rule, `number || \'\'` by the card detector', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { rows } = run(await pg.query(`SELECT number AS n, number || '' AS x, lower(number) FROM ${T} x WHERE id = 1`));
  assert.deepEqual(rows[0], [`[REDACTED:public.${T}.number]`, '[REDACTED:card]', '[REDACTED:card]']);
});

test('views: SELECT * FROM a view (and a view over it) is masked by the column rule; a computed view column by the detectors only', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { rows } = run(await pg.query(`SELECT * FROM ${VIEW} ORDER BY id; SELECT * FROM "${VIEW2}" ORDER BY id; SELECT v FROM ${VIEW} v WHERE id = 1`));
  assert.deepEqual(rows[0], ['1', `[REDACTED:public.${VIEW}.card]`, 'ALICE']);
  assert.deepEqual(rows[3], [`[REDACTED:public.${VIEW2.replace(/ /g, '_')}.the_card]`, '1'], 'placeholder labels keep only safe characters');
  assert.deepEqual(parseRecord(rows[6]![0]!), ['1', `[REDACTED:public.${VIEW}.card]`, 'ALICE'], 'whole-row value of the view');
});

test('whole-row SELECT t FROM t: the masked field of the record is replaced, the record stays well-formed', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { rows } = run(await pg.query(`SELECT c FROM ${T} c ORDER BY id`));
  const r0 = parseRecord(rows[0]![0]!)!;
  assert.deepEqual(r0.slice(0, 4), ['1', `[REDACTED:public.${T}.number]`, 'alice', 'mail [REDACTED:email]']);
  assert.equal(r0[5], '[REDACTED:card]', 'bigint card in a record: masked as text inside the record');
  const r1 = parseRecord(rows[1]![0]!)!;
  assert.equal(r1[2], 'bob "the" (builder), jr', 'quoting survives the rebuild');
  assert.ok(!rows.flat().some((c) => c?.includes('4111')), 'no card digits anywhere');
  const arr = run(await pg.query(`SELECT array_agg(c) FROM ${T} c`));
  assert.deepEqual(arr.rows, [[null]], 'an array of masked rows is NULL');
  const json = run(await pg.query(`SELECT row_to_json(c)::text, to_jsonb(c) FROM ${T} c WHERE id = 1`));
  assert.ok(!json.rows.flat().some((c) => c?.includes('4111')), 'row_to_json / to_jsonb: the detectors catch the card');
});

test('binary format: covered cells and cells whose binary value a detector reads become NULL', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const msgs = await pg.extended(`SELECT id, number, owner, note, amount, big FROM ${T} ORDER BY id`, 1);
  const { rows, m } = run(msgs, undefined, [1]);
  assert.equal(rows[0]![1], null, 'rule column');
  assert.equal(rows[0]![3], null, 'e-mail in binary text');
  assert.equal(rows[0]![4], null, 'numeric card');
  assert.equal(rows[0]![5], null, 'bigint card');
  assert.equal(rows[1]![5], Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]).toString('utf8'), 'bigint 7 untouched');
  assert.equal(rows[0]![2], 'alice');
  assert.ok(m.counts.cellsNulled >= 5);
});

test('errors and notices: a cast echoing a card and RAISE NOTICE with an e-mail are masked', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { notices } = run(await pg.query(`SELECT number::int FROM ${T} WHERE id = 1`));
  assert.match(notices[0]!, /C=22P02/);
  assert.match(notices[0]!, /M=invalid input syntax for type integer: "\[REDACTED:card\]"/);
  const n = run(await pg.query(`DO $$ BEGIN RAISE NOTICE 'owner is %', 'alice@example.com'; END $$`));
  assert.match(n.notices[0]!, /M=owner is \[REDACTED:email\]/);
});

test('COPY TO STDOUT: text and csv lines are masked with their escapes; a table with masked columns is refused', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const m = masking.forSession(columns)!;
  const copyOf = (sql: string) => {
    const s = classifySql(sql).statements[0]!;
    return { s, plan: m.copyOut(s.copy!, s.tables) };
  };
  const refused = copyOf(`COPY (SELECT number FROM ${T}) TO STDOUT`).plan;
  assert.ok('refuse' in refused && /masked columns/.test(refused.refuse));
  for (const [sql, want] of [
    [`COPY ${PLAIN} TO STDOUT`, ['1\ttab\\there [REDACTED:email] back\\\\slash\n', '2\tplain\n', '3\t\\N\n']],
    [`COPY ${PLAIN} TO STDOUT (FORMAT csv)`, ['1,"tab\there [REDACTED:email] back\\slash"\n', '2,plain\n', '3,\n']],
    [`COPY (SELECT id, note FROM ${PLAIN}) TO STDOUT (DELIMITER '|')`, ['1|tab\\there [REDACTED:email] back\\\\slash\n', '2|plain\n', '3|\\N\n']],
  ] as const) {
    const { plan } = copyOf(sql);
    assert.ok('masker' in plan, sql);
    const data: RawMessage[] = (await pg.query(sql)).filter((x) => x.type === 'd');
    assert.equal(data.length, 3, 'one CopyData per row');
    const lines = data.map((d: RawMessage) => {
      const out = plan.masker.maskData(d.body);
      return (out ? out.subarray(5) : d.body).toString('utf8');
    });
    assert.deepEqual(lines, want, sql);
  }
  const bin = copyOf(`COPY ${PLAIN} TO STDOUT (FORMAT binary)`).plan;
  assert.ok('refuse' in bin);
});

test('masking never stops after N rows: 20,000 rows, every one masked', async (t) => {
  if (!pg) return t.skip('postgres not running');
  const { rows, m } = run(await pg.query(`SELECT 'user' || g || '@example.com' FROM generate_series(1, 20000) g`));
  assert.equal(rows.length, 20000);
  assert.ok(rows.every((r) => r[0] === '[REDACTED:email]'));
  assert.equal(m.counts.cellsMasked, 20000);
});
