/**
 * Hostile texts for the shape path (sql/shape.ts): texts of one skeleton must read exactly
 * as their own full parse, whatever digits stand in the skeleton's runs (other values,
 * lengths, leading zeros, 0, past int4 and int8) and whichever of them was seen first (the
 * one that was normalised and made the skeleton trusted).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { classifySql, factsKey, loadSqlParser, SqlClassifier } from './index.js';
import { prng } from '../../../core/prng.js';

before(() => loadSqlParser());

/** A standalone run of digits, as skeletonOf marks it. */
const STANDALONE = /(?<![A-Za-z0-9_.])[0-9]+(?![A-Za-z0-9_.])/g;

/** Digits a run is replaced by: values that change the token (int4 → numeric), leading zeros, zero, long runs. */
const DIGITS = ['0', '1', '00', '007', '9', '42', '2147483647', '2147483648', '9223372036854775807', '9223372036854775808', '000000000000000000001', '9'.repeat(60), '1' + '0'.repeat(300)];


const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** `text` with every standalone run replaced by `digits` (a string: all alike; a function: each its own). */
function withRuns(text: string, digits: string | (() => string)): string {
  return text.replace(STANDALONE, typeof digits === 'string' ? () => digits : digits);
}

/** Classifies `text` through `k` and asserts it reads as its own full parse; true when the shape served it. */
function sameAsFullParse(k: SqlClassifier, text: string, context: string): boolean {
  const before = k.shaped;
  const got = k.classify(text);
  const full = classifySql(text);
  const { factsKey: key, ...rest } = got;
  assert.deepEqual(rest, full, `${context} → ${JSON.stringify(text)}`);
  if (key !== undefined) assert.equal(key, factsKey(full), `${context} → ${JSON.stringify(text)}: facts key`);
  return k.shaped > before;
}

/**
 * Base texts: each has standalone digit runs next to what PostgreSQL's lexer or grammar could
 * read differently (comments, operators, casts, typmods, positional ORDER/GROUP BY, EXPLAIN
 * and COPY options, function names the classifier judges, several statements, whitespace).
 */
const HOSTILE = [
  // Comments next to and around runs; `-` `-` and `/` `*` split by a run or by nothing.
  'SELECT a FROM t WHERE b = 1--2\n',
  'SELECT a FROM t WHERE b = 1-- 2\nAND c = 3',
  'SELECT a FROM t WHERE b = 1 -- x\r; DELETE FROM t WHERE c = 2',
  'SELECT a FROM t WHERE b = 1 -- x\f; DELETE FROM t WHERE c = 2',
  'SELECT a FROM t WHERE b = 1 -- x\v; DELETE FROM t WHERE c = 2',
  'SELECT 1/*2*/FROM t',
  'SELECT 1/* /* 2 */ 3 */ FROM t WHERE a = 4',
  '/* 1 */ SELECT 2 /* 3 */',
  '/* /* */ DELETE FROM t WHERE a = 1 */ SELECT 2',
  'SELECT 1 -/**/- 2 FROM t',
  'SELECT 1 - - 2 FROM t',
  'SELECT 1 - -2 FROM t',
  'SELECT 1- -2',
  'SELECT 1-/2',
  'SELECT 1 */ 2',
  'SELECT 1/ *2 FROM t',
  'SELECT 1 /*/ 2 */ FROM t',
  'SELECT 5 --\n- 6',
  'SELECT 4/2, 4%2, 4^2, 4*2, 4+2, 4-2, 4<2, 4>2, 4<=2, 4>=2, 4<>2, 4!=2, 4=2',
  'SELECT a FROM t WHERE b =-1',
  'SELECT a FROM t WHERE b <-1',
  'SELECT a FROM t WHERE b @-1',
  'SELECT a FROM t WHERE b *-1 > 0',
  'SELECT a FROM t WHERE b = +1',
  'SELECT +1, @ 2, ~ 3, |/ 16, ||/ 27 FROM t',
  'SELECT a FROM t WHERE b @> 1 AND c <@ 2 AND d && 3 AND e ~~ 4',
  'SELECT a FROM t WHERE b ~ 1 OR c !~ 2 OR d #- 3 OR e #> 4',
  // Casts and typmods: digits the normaliser leaves alone (never shared) and their neighbours.
  'SELECT 1::int, 2 :: int8, CAST(3 AS int4) FROM t',
  'SELECT a::int[3] FROM t WHERE b = 4',
  'SELECT a::numeric(10, 2) FROM t WHERE b = 4',
  'SELECT a::varchar(5) FROM t WHERE b = 4',
  'SELECT CAST(a AS bit(3)) FROM t WHERE b = 4',
  'SELECT a::float(24) FROM t WHERE b = 4',
  'SELECT a::interval second(3) FROM t WHERE b = 4',
  'SELECT a::timestamp(3) with time zone FROM t WHERE b = 4',
  'SELECT CURRENT_TIME(3), LOCALTIMESTAMP(2) FROM t WHERE b = 4',
  'SELECT a[1], a[1:2], a[1][2], a[:3], a[4:] FROM t',
  'SELECT ARRAY[1, 2], ROW(3, 4), (5, 6) OVERLAPS (7, 8)',
  // Positional references (not normalised when an int4, normalised past it).
  'SELECT a, b FROM t ORDER BY 1',
  'SELECT a, b FROM t ORDER BY 2147483648',
  'SELECT a, b FROM t ORDER BY 1 DESC, 2 USING <',
  'SELECT a, count(*) FROM t GROUP BY 1',
  'SELECT a, count(*) FROM t GROUP BY 9999999999 HAVING count(*) > 5',
  'SELECT a + 1, count(*) FROM t GROUP BY a + 1 ORDER BY a + 1',
  'SELECT a, count(*) FROM t GROUP BY GROUPING SETS ((1), ()), ROLLUP (2), CUBE (3)',
  'SELECT DISTINCT ON (1) a FROM t ORDER BY 1 + 0',
  // LIMIT, OFFSET, FETCH (signed and unsigned), window frames, TABLESAMPLE.
  'SELECT a FROM t LIMIT 5 OFFSET 10',
  'SELECT a FROM t OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY',
  'SELECT a FROM t ORDER BY a FETCH NEXT +5 ROWS WITH TIES',
  'SELECT a FROM t FETCH FIRST -5 ROWS ONLY',
  'SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) FROM t',
  'SELECT a FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (200)',
  // Writes and what raises a SELECT to one; several statements.
  'DELETE FROM t WHERE id = 5',
  'UPDATE t SET a = 1, b = b + 2 WHERE c = 3 RETURNING a',
  'UPDATE t SET (a, b) = (1, 2) WHERE c = 3',
  'INSERT INTO t (a, b) VALUES (1, 2), (3, 4) ON CONFLICT (a) DO UPDATE SET b = 5',
  'INSERT INTO t (a[1]) SELECT 2 FROM s WHERE c = 3',
  'MERGE INTO t USING s ON t.id = s.id + 1 WHEN MATCHED AND t.a > 5 THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (6)',
  'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1',
  'WITH x AS (DELETE FROM t WHERE a = 1 RETURNING *) SELECT * FROM x LIMIT 2',
  'WITH x AS (SELECT 1) SELECT * FROM x, (SELECT 2 FROM t FOR UPDATE) y',
  'SELECT a FROM t WHERE a = 1 FOR NO KEY UPDATE OF t SKIP LOCKED',
  'SELECT a FROM t WHERE a = 1 FOR SHARE NOWAIT',
  'SELECT 1 INTO t2 FROM t WHERE a = 2',
  'SELECT 1 INTO TEMP t2',
  'CREATE TABLE t2 AS SELECT 1 FROM t WHERE a = 2',
  'SELECT 1;SELECT 2',
  'SELECT 1; DELETE FROM t WHERE a = 2',
  'SELECT 1;',
  ';SELECT 1;;',
  'SELECT 1 ; ; DROP TABLE t',
  // Functions the classifier judges by name, with integer arguments.
  'SELECT nextval(5), setval(6, 7)',
  'SELECT pg_sleep(1)',
  'SELECT pg_terminate_backend(1), pg_cancel_backend(2)',
  'SELECT set_config(1, 2, false)',
  'SELECT lo_unlink(5), lo_create(6)',
  'SELECT pg_advisory_lock(1), pg_try_advisory_xact_lock(2)',
  'SELECT query_to_xml(1, true, true, 2)',
  'SELECT pg_catalog.pg_read_file(1)',
  'SELECT int4(1), float8(2), t1.c2 FROM s1.t1 WHERE c3 = 4',
  // EXPLAIN: ANALYZE 0 plans only, any other value executes.
  'EXPLAIN (ANALYZE 0) DELETE FROM t WHERE id = 3',
  'EXPLAIN (ANALYZE 1) DELETE FROM t WHERE id = 3',
  'EXPLAIN (ANALYZE 00) DELETE FROM t WHERE id = 3',
  'EXPLAIN (ANALYZE, COSTS 0) DELETE FROM t WHERE a = 1',
  'EXPLAIN (COSTS 0) DELETE FROM t WHERE a = 1',
  'EXPLAIN DELETE FROM t WHERE a = 1',
  'EXPLAIN SELECT nextval(1)',
  'EXPLAIN ANALYZE SELECT * FROM t WHERE a = 1',
  // COPY, SET, cursors, prepared statements, utility statements.
  'COPY (SELECT 1 FROM t WHERE a = 2) TO STDOUT WITH (HEADER 0)',
  'COPY t FROM STDIN WITH (FORMAT csv, HEADER 1)',
  'SET statement_timeout = 5',
  'SET LOCAL work_mem = 64',
  'SET SESSION AUTHORIZATION DEFAULT; SELECT 1',
  'SELECT 1; SET search_path = 2',
  'DECLARE c CURSOR FOR SELECT a FROM t WHERE b = 1',
  'DECLARE c CURSOR FOR DELETE FROM t WHERE b = 1 RETURNING *',
  'FETCH 5 FROM c',
  'FETCH FORWARD 5 c',
  'FETCH RELATIVE -5 FROM c',
  'MOVE ABSOLUTE 5 IN c',
  'PREPARE p AS DELETE FROM t WHERE a = 1',
  'PREPARE p AS SELECT a FROM t WHERE b = 1',
  'EXECUTE p(1)',
  'CALL p(1)',
  'LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT 1',
  'VACUUM (PARALLEL 2) t',
  'ALTER SEQUENCE s RESTART 5',
  'CREATE TABLE t (a int DEFAULT 1)',
  'DROP TABLE t; SELECT 1',
  'TRUNCATE t; SELECT 1',
  'LISTEN c1; SELECT 1',
  'CHECKPOINT; SELECT 1',
  // Expressions with digits in every position an expression has.
  'SELECT CASE WHEN a = 1 THEN 2 ELSE 3 END, COALESCE(a, 4), NULLIF(a, 5), GREATEST(6, 7) FROM t',
  'SELECT substring(a from 1 for 2), overlay(a placing b from 3 for 4), position(a in b) FROM t',
  'SELECT a FROM t WHERE b BETWEEN SYMMETRIC 1 AND 2 AND c IN (3, 4) AND d = ANY (ARRAY[5]) AND e IS DISTINCT FROM 6',
  'SELECT a FROM t WHERE b NOT IN (1) AND c NOT BETWEEN 2 AND 3',
  'SELECT (SELECT 1 FROM t WHERE a = 2), EXISTS (SELECT 3)',
  'VALUES (1), (2)',
  'SELECT * FROM generate_series(1, 10) WITH ORDINALITY',
  'SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(3, 4))',
  'SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 3 INTERSECT SELECT 4',
  'TABLE t LIMIT 5',
  // Whitespace PostgreSQL accepts, in every place.
  'SELECT\t1\fFROM\vt\rWHERE\na=2',
  '\f\v\r\n\tSELECT 1\t\f\v\r\n',
  'SELECT\v1',
  // Texts that do not parse, or parse only for some digits.
  'SELECT 1 2',
  'SELECT 1 FROM',
  'SELECT 1::',
  'SELECT a[1 : 2] FROM t',
  'SELECT :1',
  'SELECT 1 FROM t WHERE a = 1 1',
];

test('shape, adversarial: every variant of a hostile text reads as its own full parse, whichever variant came first', () => {
  const r = prng(4711);
  let shaped = 0;
  let compared = 0;
  for (const base of HOSTILE) {
    // The variant seen first is the one normalised: every kind of run takes that place in turn.
    for (const first of [base, ...DIGITS.map((d) => withRuns(base, d))]) {
      const k = new SqlClassifier();
      sameAsFullParse(k, first, JSON.stringify(first));
      const variants = [...DIGITS.map((d) => withRuns(base, d)), ...Array.from({ length: 6 }, () => withRuns(base, () => pick(r, DIGITS)))];
      for (const v of variants) {
        if (sameAsFullParse(k, v, `first ${JSON.stringify(first)}`)) shaped++;
        compared++;
      }
    }
  }
  assert.ok(compared > HOSTILE.length * 100);
  // The property says something only if shapes served many of these texts.
  assert.ok(shaped > 5000, `only ${shaped} of ${compared} texts were classified by their shape`);
});

test('shape, adversarial: what must never be served by a shape', () => {
  const k = new SqlClassifier();
  const never = [
    'EXPLAIN (ANALYZE 0) DELETE FROM t WHERE id = 3',
    'EXPLAIN (ANALYZE 1) DELETE FROM t WHERE id = 3',
    'SELECT a, b FROM t ORDER BY 1',
    'SELECT 1/*2*/FROM t',
    'SELECT a::numeric(10, 2) FROM t WHERE b = 4',
    'SELECT CURRENT_TIME(3) FROM t WHERE b = 4',
    'SELECT a FROM t WHERE b =-1',
    'SELECT 1; DELETE FROM t WHERE a = 2',
    'SELECT pg_terminate_backend(1)',
    'SELECT set_config(1, 2, false)',
    'COPY (SELECT 1 FROM t WHERE a = 2) TO STDOUT WITH (HEADER 0)',
    'FETCH 5 FROM c',
  ];
  for (const t of never) for (const d of DIGITS) k.classify(withRuns(t, d));
  assert.equal(k.shaped, 0);
  // ANALYZE 0 plans the DELETE, any other value runs it: never one for the other.
  for (const d of DIGITS.slice(1)) {
    const c = k.classify(`EXPLAIN (ANALYZE ${d}) DELETE FROM t WHERE id = 3`);
    assert.equal(c.statements[0]!.kind === 'explain', /^0+$/.test(d), d);
  }
});

// Tokens a fuzzed text is built of: keywords, names with digits, operators (and their
// halves), comment openers and closers, numbers of every syntax, whitespace of every kind.
const KEYWORDS = ['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'BETWEEN', 'ORDER BY', 'GROUP BY', 'LIMIT', 'OFFSET', 'FETCH FIRST', 'ROWS ONLY', 'FOR UPDATE', 'UNION ALL', 'DELETE FROM', 'UPDATE', 'SET', 'INSERT INTO', 'VALUES', 'RETURNING', 'WITH', 'AS', 'EXPLAIN', 'ANALYZE', '(ANALYZE', 'DROP TABLE', 'COPY', 'TO STDOUT', 'CAST', 'int', 'numeric', 'ARRAY', 'CASE WHEN', 'THEN', 'ELSE', 'END', 'DESC', 'INTO'];
const NAMES = ['t', 't1', 'a', 'b2', '_x', 'x_1', 's1.t2', 'pg_sleep', 'nextval', 'set_config', 'pg_terminate_backend', 'now', 'count', 'e', 'E', 'x'];
const OPERATORS = ['=', '<', '>', '<>', '!=', '<=', '>=', '+', '-', '*', '/', '%', '^', '||', '@>', '~', '::', '.', ',', '(', ')', '[', ']', ';', ':', '-', '/', '*', '@', '#', '&', '|', '!'];
const COMMENTS = ['--', '-- 5\n', '/*', '*/', '/* 5 */', '/* /* 6 */ */', '--\r'];
const NUMBERS = ['0', '1', '42', '007', '2147483648', '99999999999999999999', '1.5', '1e5', '.5', '5.', '0x1F', '0o17', '0b101', '1_000'];
const SPACES = [' ', ' ', ' ', '\t', '\n', '\r', '\f', '\v', '\r\n'];

/** A text that is mostly a statement (so that it parses and a shape is made of it) with tokens of any kind strewn in, each word followed by one with probability `noise`. */
function fuzzText(r: () => number, noise: number): string {
  // Mostly integers (what a shape is made of), now and then another kind of number.
  const n = () => (r() < 0.8 ? pick(r, NUMBERS.slice(0, 6)) : pick(r, NUMBERS));
  const operand = () => (r() < 0.5 ? n() : pick(r, NAMES));
  const expr = () => {
    let e = operand();
    for (let i = Math.floor(r() * 3); i > 0; i--) e += pick(r, SPACES) + pick(r, ['=', '<', '+', '-', '*', '/', '%', '<>', '@>', 'AND', 'OR']) + pick(r, SPACES) + operand();
    return e;
  };
  const statements = [
    () => `SELECT ${expr()}, ${expr()} FROM ${pick(r, NAMES)} WHERE ${expr()}`,
    () => `SELECT ${expr()} FROM ${pick(r, NAMES)} ORDER BY ${n()} LIMIT ${n()}`,
    () => `DELETE FROM ${pick(r, NAMES)} WHERE ${expr()}`,
    () => `UPDATE ${pick(r, NAMES)} SET a = ${expr()} WHERE ${expr()}`,
    () => `INSERT INTO ${pick(r, NAMES)} VALUES (${expr()}, ${expr()})`,
    () => `EXPLAIN (ANALYZE ${n()}) DELETE FROM t WHERE a = ${n()}`,
    () => `SELECT ${pick(r, ['nextval', 'pg_sleep', 'set_config', 'pg_terminate_backend', 'abs'])}(${n()}) FROM t WHERE a = ${n()}`,
    () => `SELECT ${expr()}`,
  ];
  const words = pick(r, statements)().split(' ');
  const out: string[] = [];
  for (const w of words) {
    out.push(w);
    if (r() >= noise) continue;
    const k = r();
    if (k < 0.35) out.push(pick(r, COMMENTS));
    else if (k < 0.6) out.push(pick(r, OPERATORS));
    else if (k < 0.7) out.push(pick(r, KEYWORDS));
    else if (k < 0.85) out.push(n());
    else out.push(';' + pick(r, statements)());
  }
  // Now and then no space at all: `1--`, `1/*`, `SELECT1`.
  return out.map((w) => w + (r() < noise / 2 ? '' : pick(r, SPACES))).join('');
}

test('shape, adversarial: fuzzed texts and their digit variants read as their own full parse', () => {
  const r = prng(20261205);
  // One classifier for all: shapes made by one text serve the texts that follow.
  const k = new SqlClassifier();
  let shaped = 0;
  let compared = 0;
  for (let i = 0; i < 6000; i++) {
    const text = fuzzText(r, i % 3 ? 0.02 : 0.2);
    sameAsFullParse(k, text, `fuzz ${i}`);
    for (let j = 0; j < 3; j++) {
      const v = withRuns(text, () => pick(r, DIGITS));
      if (sameAsFullParse(k, v, `fuzz ${i} of ${JSON.stringify(text)}`)) shaped++;
      compared++;
    }
  }
  assert.ok(shaped > 3000, `only ${shaped} of ${compared} fuzzed variants were classified by their shape`);
});
