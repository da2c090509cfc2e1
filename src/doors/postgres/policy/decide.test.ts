import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from '../../../core/exchange.js';
import { policySchema, type PolicyConfigInput } from '../../../policy/config.js';
import { compilePolicy, type CompiledPolicy } from '../../../policy/engine.js';
import { openSqliteApprovals } from '../../../approvals/sqlite.js';
import { resolveAsk } from '../../../approvals/gate.js';
import { startOpaServer, type OpaServer } from '../../../../test/support/opa-server.js';
import { classifySql, loadSqlParser } from '../sql/index.js';
import { compileStatementPolicy, decideStatements, SessionDecisionCache, statementPolicySchema, type StatementContext, type StatementVerdict } from './index.js';

before(() => loadSqlParser());

const who = (name: string, ...groups: string[]): Consumer => ({ name, groups, labels: {}, models: [] });
const reader = who('rita', 'data-reader');
const writer = who('walt', 'data-writer');
const dba = who('dora', 'dba');
const nobody = who('nick', 'marketing');

const sp = compileStatementPolicy(statementPolicySchema.parse({}));
const open = compilePolicy(policySchema.parse({}));
const policy = (cfg: PolicyConfigInput) => compilePolicy(policySchema.parse(cfg));

async function decide(c: Consumer, sql: string, p: CompiledPolicy = open, ctx: StatementContext = {}, s = sp): Promise<StatementVerdict> {
  return decideStatements(s, p, c, classifySql(sql), ctx);
}
const outcome = async (c: Consumer, sql: string, p?: CompiledPolicy, ctx?: StatementContext) => {
  const v = await decide(c, sql, p, ctx);
  return `${v.decision.outcome} ${v.decision.rule}`;
};

const TABLE: [Consumer, string, string][] = [
  [reader, 'SELECT * FROM cards', 'allow rule:postgres-preset.reads'],
  [reader, 'BEGIN; SELECT 1; COMMIT', 'allow rule:postgres-preset.reads'],
  [reader, "SET statement_timeout = '5s'", 'allow rule:postgres-preset.reads'],
  [reader, 'DELETE FROM cards', 'deny rule:postgres-preset.reader-only-reads'],
  [reader, 'WITH d AS (DELETE FROM cards RETURNING *) SELECT * FROM d', 'deny rule:postgres-preset.reader-only-reads'],
  [reader, 'SELECT * FROM cards FOR UPDATE', 'deny rule:postgres-preset.reader-only-reads'],
  [reader, 'SELECT 1; CREATE TABLE x (a int)', 'deny rule:postgres-preset.reader-only-reads'],
  [reader, 'VACUUM cards', 'deny rule:postgres-preset.reader-only-reads'],
  [reader, 'SET ROLE postgres', 'deny sql:restricted'],
  [reader, 'DO $$ BEGIN END $$', 'deny sql:restricted'],
  [reader, 'SELECT pg_sleep(1e9)', 'deny sql:restricted'],
  [reader, 'DrOp DaTaBaSe test', 'deny sql:blocked'],
  [reader, 'SELECT 1; SELECT pg_terminate_backend(1)', 'deny sql:blocked'],
  [reader, 'SELECT * FROM', 'deny sql:syntax'],
  [writer, 'SELECT * FROM cards', 'allow rule:postgres-preset.reads'],
  [writer, 'DELETE FROM cards WHERE id = 1', 'ask rule:postgres-preset.write-needs-approval'],
  [writer, 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'ask rule:postgres-preset.write-needs-approval'],
  [writer, 'EXPLAIN ANALYZE DELETE FROM cards', 'ask rule:postgres-preset.write-needs-approval'],
  [writer, 'CREATE TABLE x (a int)', 'ask rule:postgres-preset.schema-change-needs-dba'],
  [writer, 'DELETE FROM a; DROP TABLE b', 'ask rule:postgres-preset.schema-change-needs-dba'],
  [writer, 'SELECT * INTO copy FROM cards', 'ask rule:postgres-preset.schema-change-needs-dba'],
  [writer, 'VACUUM cards', 'deny rule:postgres-preset.admin-needs-dba'],
  [writer, 'ALTER USER walt WITH SUPERUSER', 'deny sql:blocked'],
  [writer, "COPY cards TO PROGRAM 'sh'", 'deny sql:blocked'],
  [writer, "SELECT set_config('role', 'postgres', false)", 'deny sql:blocked'],
  [dba, 'VACUUM cards', 'ask rule:postgres-preset.schema-change-needs-dba'],
  [dba, 'SELECT 1', 'allow rule:postgres-preset.reads'],
  [dba, 'DROP DATABASE test', 'deny sql:blocked'],
  [nobody, 'SELECT 1', 'deny rule:postgres-preset.no-role'],
];

for (const [c, sql, want] of TABLE) {
  test(`preset: ${c.groups[0]} ${sql} → ${want}`, async () => {
    assert.equal(await outcome(c, sql), want);
  });
}

test('asks carry their approvers: writes any approver, schema changes the dba group; the reason says why', async () => {
  const w = (await decide(writer, 'DELETE FROM cards')).decision;
  assert.deepEqual(w.approvers, []);
  assert.equal(w.reason, 'a write needs an approval');
  const d = (await decide(writer, 'ALTER TABLE cards ADD COLUMN x int')).decision;
  assert.deepEqual(d.approvers, ['dba']);
  const denied = (await decide(reader, 'DELETE FROM cards')).decision;
  assert.equal(denied.reason, 'group data-reader may only read');
  assert.match((await decide(reader, 'SELECT lo_export(1, \'/tmp/x\')')).decision.reason!, /lo_export\(\) writes a large object/);
});

test('a just-in-time grant gives its role for the session; the document carries it', async () => {
  const grant = { id: 'grt_1', role: 'reader' as const, expires: Date.now() + 3_600_000 };
  assert.equal(await outcome(nobody, 'SELECT 1', open, { grant }), 'allow rule:postgres-preset.reads');
  assert.equal(await outcome(nobody, 'DELETE FROM t', open, { grant }), 'deny rule:postgres-preset.reader-only-reads');
  const v = await decide(nobody, 'SELECT 1', open, { grant, database: 'test' });
  assert.deepEqual(v.doc.sql?.grant, grant);
  assert.equal(v.doc.sql?.database, 'test');
  assert.ok(v.doc.consumer?.groups.includes('data-reader'));
});

test('CEL rules over sql.statements decide too, and deny wins over the preset', async () => {
  const p = policy({
    rules: [
      { id: 'no-audit-writes', when: 'sql.statements.exists(s, s.effect == "write" && "audit_log" in s.tables)', reason: 'the audit log is append-only' },
      { id: 'ask-big-reads', action: 'ask', when: 'sql.statements.exists(s, "cards" in s.tables) && consumer.name == "rita"', approvers: ['security'] },
    ],
  });
  assert.equal(await outcome(writer, 'DELETE FROM audit_log', p), 'deny rule:global.no-audit-writes');
  assert.equal(await outcome(writer, 'DELETE FROM other', p), 'ask rule:postgres-preset.write-needs-approval');
  const ask = (await decide(reader, 'SELECT * FROM cards', p)).decision;
  assert.equal(`${ask.outcome} ${ask.rule}`, 'ask rule:global.ask-big-reads');
  assert.deepEqual(ask.approvers, ['security']);
  assert.equal(await outcome(reader, 'SELECT * FROM orders', p), 'allow rule:postgres-preset.reads');
});

test('a restricted statement passes only when a rule explicitly allows it', async () => {
  const p = policy({ rules: [{ id: 'refresh', action: 'allow', when: 'sql.statements.all(s, s.kind == "call" && s.functions == ["refresh_stats"])' }] });
  assert.equal(await outcome(writer, 'CALL refresh_stats(1)', p), 'allow rule:global.refresh');
  assert.equal(await outcome(writer, 'CALL drop_everything()', p), 'deny sql:restricted');
  assert.equal(await outcome(writer, 'CALL refresh_stats(1)'), 'deny sql:restricted', 'the default allow is not explicit');
  // An allow that does not look at the statements allows the door, not the restricted statement.
  const door = policy({ default: 'deny', rules: [{ id: 'pg', action: 'allow', when: 'door == "postgres"' }] });
  assert.equal(await outcome(writer, 'SET ROLE postgres', door), 'deny sql:restricted');
  assert.equal(await outcome(writer, 'SELECT 1', door), 'allow rule:global.pg');
  const acl = policy({ acl: { allow: { groups: ['data-writer'] } } });
  assert.equal(await outcome(writer, 'DO $$ BEGIN END $$', acl), 'deny sql:restricted');
  const named = policy({ policies: { pg: { rules: [{ id: 'do-ok', action: 'allow', when: 'sql.statements.all(s, s.kind == "do")' }] } }, attach: { doors: { postgres: ['pg'] } } });
  assert.equal(await outcome(writer, 'DO $$ BEGIN END $$', named), 'allow rule:pg.do-ok', 'a rule of a named policy counts');
  // The preset still applies: a restricted statement of a consumer with no role is refused.
  assert.equal(await outcome(nobody, 'CALL refresh_stats(1)', p), 'deny rule:postgres-preset.no-role');
});

test('a policy whose default is deny refuses what no rule allows, even a preset read', async () => {
  const p = policy({ default: 'deny' });
  assert.equal(await outcome(reader, 'SELECT 1', p), 'deny default:global.deny');
  const p2 = policy({ default: 'deny', rules: [{ id: 'pg', action: 'allow', when: 'door == "postgres"' }] });
  assert.equal(await outcome(reader, 'SELECT 1', p2), 'allow rule:global.pg');
  assert.equal(await outcome(reader, 'DELETE FROM t', p2), 'deny rule:postgres-preset.reader-only-reads');
});

test('preset off: only the always-blocked list, the restricted rule and your policy remain', async () => {
  const bare = compileStatementPolicy(statementPolicySchema.parse({ preset: false }));
  const d = async (sql: string, p = open) => (await decideStatements(bare, p, nobody, classifySql(sql))).decision;
  assert.equal((await d('DELETE FROM t')).outcome, 'allow');
  assert.equal((await d('DROP DATABASE x')).rule, 'sql:blocked');
  assert.equal((await d('SET ROLE x')).rule, 'sql:restricted');
});

test('role groups are configurable', async () => {
  const s = compileStatementPolicy(statementPolicySchema.parse({ roles: { reader: ['analysts'], writer: [], dba: [] } }));
  assert.equal((await decideStatements(s, open, who('a', 'analysts'), classifySql('SELECT 1'))).decision.outcome, 'allow');
  assert.equal((await decideStatements(s, open, reader, classifySql('SELECT 1'))).decision.rule, 'rule:postgres-preset.no-role');
  assert.equal((await decideStatements(s, open, who('a', 'analysts'), classifySql('DELETE FROM t'))).decision.reason, 'group analysts may only read');
});

let opa: OpaServer;
before(async () => {
  opa = await startOpaServer((input) => {
    const stmts = input.warden?.sql?.statements ?? [];
    return stmts.some((s: { tables: string[] }) => s.tables.includes('payroll')) ? { allow: false, reason: 'payroll is off limits' } : { allow: true };
  });
});
after(() => opa.close());

test('OPA sees input.warden.sql and decides (asynchronously)', async () => {
  const p = policy({ policies: { pg: { opa: { host: opa.url, policy: 'warden/pg' } } }, attach: { doors: { postgres: ['pg'] } } });
  try {
    const v = decideStatements(sp, p, reader, classifySql('SELECT * FROM payroll'));
    assert.ok(v instanceof Promise);
    const d = (await v).decision;
    assert.equal(d.outcome, 'deny');
    assert.equal(d.reason, 'payroll is off limits');
    assert.equal((await decide(reader, 'SELECT * FROM orders', p)).decision.outcome, 'allow');
    const sent = opa.calls.at(-1)!.body.input.warden.sql;
    assert.deepEqual(sent.statements[0].tables, ['orders']);
    assert.equal(sent.statements[0].effect, 'read');
  } finally {
    await p.close();
  }
});

test('an approval is bound to the exact text, parameters, database and consumer', async () => {
  const store = openSqliteApprovals(':memory:');
  const opts = { pendingTtlMs: 60_000, grantTtlMs: 60_000 };
  const ask = async (sql: string, ctx: StatementContext = {}, c = writer) => {
    const v = await decide(c, sql, open, ctx);
    return resolveAsk(store, v.decision, v.doc, opts);
  };
  const first = await ask('DELETE FROM cards WHERE id = $1', { params: ['1'], database: 'test' });
  assert.equal(first.outcome, 'ask');
  assert.ok(first.approval);
  assert.equal((await ask('DELETE FROM cards WHERE id = $1', { params: ['1'], database: 'test' })).approval, first.approval, 'identical: same approval');
  const others = [
    await ask('DELETE FROM cards WHERE id = $1', { params: ['2'], database: 'test' }),
    await ask('DELETE FROM cards WHERE id = $1', { params: ['1'], database: 'prod' }),
    await ask('DELETE FROM cards  WHERE id = $1', { params: ['1'], database: 'test' }),
    await ask('DELETE FROM cards WHERE id = $1', { params: ['1'], database: 'test' }, who('wanda', 'data-writer')),
  ];
  for (const o of others) assert.notEqual(o.approval, first.approval);
});

test('session decision cache: a repeated text is a hit; params, a new grant or a reload miss', async () => {
  const cache = new SessionDecisionCache(10);
  const c = classifySql('DELETE FROM t');
  const a = cache.decide(sp, open, writer, c);
  const again = cache.decide(sp, open, writer, c);
  if (a instanceof Promise || again instanceof Promise) throw new Error('no OPA here');
  // Deciding read no text, so the facts answer it first.
  assert.equal(again.decision, a.decision);
  assert.equal(cache.hits + cache.factHits, 1);
  const hits = () => cache.hits + cache.factHits;
  cache.decide(sp, open, writer, c, { params: ['1'] });
  cache.decide(sp, open, writer, c, { grant: { id: 'g', role: 'writer', expires: 1 } });
  assert.equal(hits(), 1, 'params and another grant are decided anew');
  const reloaded = policy({});
  cache.decide(sp, reloaded, writer, c);
  assert.equal(hits(), 1, 'a reload is decided anew');
  const timed = policy({ rules: [{ id: 'night', when: 'time.getHours() > 25' }] });
  cache.decide(sp, timed, writer, c);
  cache.decide(sp, timed, writer, c);
  assert.equal(hits(), 1, 'a rule reading time is never cached');
});

test('session decision cache: a new text with the facts of a decided one is a facts hit, with the same decision', () => {
  const cache = new SessionDecisionCache(10);
  const first = cache.decide(sp, open, reader, classifySql('SELECT abalance FROM pgbench_accounts WHERE aid = 1'));
  const second = cache.decide(sp, open, reader, classifySql('SELECT abalance FROM pgbench_accounts WHERE aid = 2'));
  if (first instanceof Promise || second instanceof Promise) throw new Error('no OPA here');
  assert.equal(cache.factHits, 1);
  assert.equal(second.decision, first.decision);
  assert.equal(second.doc.sql?.statements[0]?.text, 'SELECT abalance FROM pgbench_accounts WHERE aid = 2', 'the document is the new text\'s');
  assert.equal(Object.getOwnPropertyDescriptor(first.doc.sql!.statements[0]!, 'text')?.value, 'SELECT abalance FROM pgbench_accounts WHERE aid = 1', 'the text is a plain value again after deciding');
  // Other facts, other grant, other database: decided anew.
  const other = cache.decide(sp, open, reader, classifySql('DELETE FROM pgbench_accounts WHERE aid = 3'));
  if (other instanceof Promise) throw new Error('no OPA here');
  assert.equal(other.decision.outcome, 'deny');
  cache.decide(sp, open, reader, classifySql('SELECT abalance FROM pgbench_accounts WHERE aid = 4'), { database: 'other' });
  cache.decide(sp, open, reader, classifySql('SELECT abalance FROM pgbench_accounts WHERE aid = 5'), { grant: { id: 'g', role: 'writer', expires: 1 } });
  assert.equal(cache.factHits, 1);
  cache.decide(sp, policy({}), reader, classifySql('SELECT abalance FROM pgbench_accounts WHERE aid = 6'));
  assert.equal(cache.factHits, 1, 'a reload retires the facts too');
});

test('session decision cache: a decision that read a statement text is never reused for another text', () => {
  const rules = [
    // Reads the text by name.
    { id: 'no-secret', when: 'sql != null && sql.statements.exists(s, s.text.contains("secret"))' },
    // Compares whole statements: equal facts, different texts.
    { id: 'no-two-different', when: 'sql != null && sql.statements.exists(a, sql.statements.exists(b, a != b))' },
    // Reads the text through a computed key.
    { id: 'no-key', when: 'sql != null && sql.statements.exists(s, s[["te", "xt"].join("")].endsWith("9"))' },
  ];
  for (const rule of rules) {
    const p = policy({ rules: [rule] });
    const cache = new SessionDecisionCache(10);
    const texts = rule.id === 'no-two-different' ? ['SELECT 1; SELECT 1', 'SELECT 1; SELECT 2'] : rule.id === 'no-secret' ? ["SELECT 'public'", "SELECT 'secret'"] : ['SELECT 1', 'SELECT 9'];
    const outcomes = texts.map((t) => {
      const v = cache.decide(sp, p, reader, classifySql(t));
      if (v instanceof Promise) throw new Error('no OPA here');
      return v.decision.outcome;
    });
    assert.deepEqual(outcomes, ['allow', 'deny'], rule.id);
    assert.equal(cache.factHits, 0, rule.id);
  }
  // A rule that reads only facts keeps the facts cache.
  const p = policy({ rules: [{ id: 'audit', when: 'sql != null && sql.statements.exists(s, s.effect == "write" && "audit_log" in s.tables)' }] });
  const cache = new SessionDecisionCache(10);
  cache.decide(sp, p, reader, classifySql('SELECT 1'));
  cache.decide(sp, p, reader, classifySql('SELECT 2'));
  assert.equal(cache.factHits, 1);
});
