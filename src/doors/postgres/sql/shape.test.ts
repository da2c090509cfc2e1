import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { classifySql, factsKey, loadSqlParser, SqlClassifier } from './index.js';
import { shapeOf, skeletonOf } from './shape.js';
import { prng } from '../../../core/prng.js';

before(() => loadSqlParser());

/** Statements with integer constants, and the hostile shapes the shape must never be used for or must read alike. */
const CORPUS = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 4711;',
  'SELECT abalance FROM pgbench_accounts WHERE aid = 4711',
  '  SELECT * FROM t WHERE a = 1 AND b IN (2, 3, 4) ORDER BY 1 LIMIT 10 OFFSET 20 ;  ',
  'select 1 /* 2 */ from t -- 3\n',
  '/* SELECT 1 */ SELECT 1',
  '-- 12\nSELECT 12 FROM t12 WHERE c12 = 12',
  'UPDATE pgbench_accounts SET abalance = abalance + 5 WHERE aid = 77',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, 4, CURRENT_TIMESTAMP)',
  'DELETE FROM t WHERE id = 99',
  'WITH d AS (DELETE FROM cards WHERE id = 5 RETURNING *) SELECT * FROM d LIMIT 3',
  'SELECT * FROM cards WHERE id = 5 FOR UPDATE',
  'SELECT (SELECT 1 FROM cards WHERE id = 7 FOR SHARE)',
  'SELECT nextval(5)',
  'SELECT pg_terminate_backend(1234)',
  'SELECT pg_advisory_lock(1)',
  'SELECT set_config(1, 2, false)',
  'SELECT pg_sleep(100)',
  'SELECT 1; SELECT 2',
  'SELECT 1; DROP TABLE t2',
  'BEGIN; UPDATE t SET a = 1 WHERE b = 2; COMMIT',
  'SET statement_timeout = 5000',
  'SET standard_conforming_strings = 1',
  'SET client_encoding = 6',
  'RESET ALL',
  'EXPLAIN (ANALYZE 0) DELETE FROM t WHERE id = 3',
  'EXPLAIN (ANALYZE 1) DELETE FROM t WHERE id = 3',
  'EXPLAIN ANALYZE SELECT * FROM t WHERE id = 3',
  'EXPLAIN DELETE FROM t WHERE id = 3',
  'COPY (SELECT * FROM t WHERE id = 5) TO STDOUT',
  'COPY t FROM STDIN WITH (FORMAT csv, HEADER 1)',
  'FETCH 5 FROM c',
  'MOVE 10 IN c',
  'DECLARE c CURSOR FOR SELECT * FROM t WHERE id = 3',
  'CLOSE c',
  'VACUUM t',
  'LOCK TABLE t IN ACCESS EXCLUSIVE MODE',
  'SELECT * FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (200)',
  'SELECT x::numeric(10, 2), y::varchar(20), z::float(24), now()::timestamp(3) FROM t WHERE id = 1',
  'SELECT interval(3) FROM t',
  'SELECT 99999999999999999999999, 0, 007, 1e5, 1.5, .5, 5., 0x1F, 0o17, 0b101, 1_000 FROM t',
  'SELECT -5, +5, - 5, 5 - 5, 5-5 FROM t',
  'SELECT a[1], a[1:2] FROM t',
  'SELECT $1, 5',
  'SELECT $$ 5 $$, 5',
  "SELECT 'x'::regclass, 5",
  "SELECT E'\\x35', 5",
  'SELECT U&"d\\0061ta".x FROM U&"d\\0061ta" WHERE x = 5',
  "DO $$ BEGIN PERFORM 5; END $$",
  "CREATE FUNCTION f() RETURNS int AS 'SELECT 5' LANGUAGE sql",
  'CREATE TABLE t5 (a int DEFAULT 5, b numeric(5, 2))',
  'ALTER TABLE t ALTER COLUMN a SET STATISTICS 100',
  'CREATE SEQUENCE s INCREMENT 5 START 10',
  'GRANT SELECT ON t TO u5',
  'PREPARE p AS SELECT * FROM t WHERE id = 5',
  'EXECUTE p(5)',
  'DEALLOCATE p5',
  'SELECT true, false, null, 5',
  'SELECT 5 FROM generate_series(1, 10) g',
  'SELECT * FROM t WHERE id BETWEEN 1 AND 10 OR id IN (SELECT 5)',
  'SELECT 12FROM t',
  'SELECT 1 FROM t WHERE a = 1\u0000; DROP DATABASE x',
  'DR/**/OP TABLE t5',
  'SELECT 5 FROM',
  'SELECT 5 5',
  'SELECT é, 5 FROM t',
  'SELECT count(*) FROM t GROUP BY 1 HAVING count(*) > 5 ORDER BY 1 DESC NULLS LAST LIMIT ALL',
  'VALUES (1, 2), (3, 4)',
  'TABLE t5',
  'SHOW work_mem',
  'SELECT * FROM t1 JOIN t2 ON t1.id = t2.id + 1 WHERE t1.x > 5 UNION ALL SELECT * FROM t3 WHERE y = 6 EXCEPT SELECT 7, 8',
];


/** `text` with every run of digits replaced by other digits (short, long, zero, leading zeros). */
function variant(text: string, r: () => number): string {
  return text.replace(/[0-9]+/g, () => {
    const k = r();
    if (k < 0.1) return '0';
    if (k < 0.2) return '00' + String(Math.floor(r() * 100));
    if (k < 0.3) return String(Math.floor(r() * 1e9)) + String(Math.floor(r() * 1e9)) + String(Math.floor(r() * 1e9));
    return String(1 + Math.floor(r() * 100_000));
  });
}

test('shape: every text classified through its shape reads exactly as its own full parse', () => {
  const r = prng(12);
  let shaped = 0;
  let compared = 0;
  for (const base of CORPUS) {
    const k = new SqlClassifier();
    k.classify(base);
    for (let i = 0; i < 40; i++) {
      const v = variant(base, r);
      const before = k.shaped;
      const got = k.classify(v);
      if (k.shaped > before) shaped++;
      const full = classifySql(v);
      const { factsKey: key, ...rest } = got;
      assert.deepEqual(rest, full, `${JSON.stringify(base)} → ${JSON.stringify(v)}`);
      if (key !== undefined) assert.equal(key, factsKey(full));
      compared++;
    }
  }
  assert.ok(compared >= CORPUS.length * 40);
  // The property is only worth something if shapes were used.
  assert.ok(shaped > 400, `only ${shaped} texts were classified by their shape`);
});

test('shape: the texts that take the full parse', () => {
  const k = new SqlClassifier();
  const full = [
    'SELECT $1, 5', // a parameter
    "SELECT 'x'::regclass, 5", // a string
    'SELECT "T", 5', // a quoted identifier
    'SELECT 1.5', // not an unsigned integer
    'SELECT -5', // the sign belongs to the constant
    'SELECT true', // a constant that is not digits
    'SELECT 12FROM t', // does not parse
    'SELECT 5 5', // does not parse
    'SELECT é, 5', // non-ASCII
    'SELECT 1 FROM t WHERE a = 1\u0000; DROP DATABASE x', // NUL
    'SELECT 1 FROM t', // no constant shared... (has one: shaped)
  ];
  for (const t of full.slice(0, -1)) assert.equal(shapeOf(t), null, t);
  assert.equal(shapeOf('SELECT abalance FROM pgbench_accounts WHERE aid = 4711;'), 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;');
  // Kinds never shared even with integer constants: SET, COPY, EXPLAIN … blocked/restricted, several statements.
  for (const t of ['SET statement_timeout = 5000', 'COPY (SELECT 5) TO STDOUT', 'SELECT pg_sleep(5)', 'SELECT pg_terminate_backend(5)', 'SELECT 1; SELECT 2', 'CREATE TABLE t (a int DEFAULT 5)']) {
    k.classify(t);
    k.classify(t.replace(/5000|5|1/, '7'));
  }
  assert.equal(k.shaped, 0);
});

test('shape: the skeleton marks standalone digit runs only', () => {
  const cases: [string, string | null][] = [
    ['SELECT a FROM t WHERE id = 4711;', 'SELECT a FROM t WHERE id = \0;'],
    ['SELECT 1', 'SELECT \0'],
    ['select t1.c2 from t1 where c2=5', 'select t1.c2 from t1 where c2=\0'],
    ['SELECT 1.5, .5, 5., 1e5, 0x1F, 1_000, 12FROM', null], // no standalone run
    ['SELECT 1.5, 7', 'SELECT 1.5, \0'],
    ['SELECT -5, a[1:2]', 'SELECT -\0, a[\0:\0]'],
    ['select 1 /* 2 */ -- 3', 'select \0 /* \0 */ -- \0'],
    ['SELECT a', null], // no digits
    ["SELECT '5'", null],
    ['SELECT "c5", 5', null],
    ['SELECT $1, 5', null],
    ['SELECT 5\0', null],
    ['SELECT é, 5', null],
    ['', null],
    ['5', '\0'],
  ];
  for (const [text, want] of cases) assert.equal(skeletonOf(text), want, JSON.stringify(text));
});

test('shape: a skeleton is shared only once its digit runs were found to be its constants', () => {
  const k = new SqlClassifier();
  // Digits in a comment: the skeleton marks them, the normaliser does not; never shared.
  for (let i = 0; i < 5; i++) k.classify(`SELECT ${i} /* ${i} */ FROM t`);
  assert.equal(k.shaped, 0);
  // A text that does not parse poisons nothing: texts of its skeleton take the full parse, and are refused.
  for (const t of ['SELECT 5 5', 'SELECT 6 6']) assert.ok(k.classify(t).refused, t);
  // The pgbench shape: the first text is parsed, the rest come from the skeleton.
  for (let aid = 1; aid <= 50; aid++) k.classify(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid * 7919};`);
  assert.equal(k.shaped, 49);
});
