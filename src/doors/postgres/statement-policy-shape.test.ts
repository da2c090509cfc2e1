/**
 * Hostile tests of the verdicts a session keeps per shape (statement-policy.ts `byShape`):
 * under `-M simple` every text is new, and a verdict decided by a shape's facts serves the
 * texts that follow. Each verdict must equal the one decided afresh for that text alone —
 * whatever the rules read (the text in many ways, its length, the time), whoever asks (role,
 * grant, database) and across reloads.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from '../../core/exchange.js';
import { policySchema, type PolicyConfigInput } from '../../policy/config.js';
import { compilePolicy, type CompiledPolicy } from '../../policy/engine.js';
import { classifySql, loadSqlParser, SqlClassifier } from './sql/index.js';
import { compileStatementPolicy, decideStatements, statementPolicySchema, type ActiveGrantFacts, type StatementPolicy as CompiledStatementPolicy } from './policy/index.js';
import { syncVerdict, testStatementSession, type LivePolicy } from './fixtures/statement-session.js';
import type { StatementVerdict } from './ports.js';
import { prng } from '../../core/prng.js';

before(() => loadSqlParser());

const reader: Consumer = { name: 'rita', groups: ['data-reader'], labels: {}, models: [] };
const writer: Consumer = { name: 'wade', groups: ['data-writer'], labels: {}, models: [] };
const nobody: Consumer = { name: 'nora', groups: [], labels: {}, models: [] };
const compiled = (cfg: PolicyConfigInput) => compilePolicy(policySchema.parse(cfg));
const presetOn = compileStatementPolicy(statementPolicySchema.parse({}));
const presetOff = compileStatementPolicy(statementPolicySchema.parse({ preset: false }));

interface Who {
  consumer: Consumer;
  database: string;
  grant: ActiveGrantFacts | null;
}

type Live = LivePolicy;

const session = (live: Live, who: Who, classifier: SqlClassifier) => testStatementSession(live, { ...who, session: 'pgs_shape' }, classifier);
const sync = syncVerdict;

/** The verdict on `sql` decided afresh: its own full parse, no cache of any kind. */
function fresh(live: Live, who: Who, sql: string): Pick<StatementVerdict, 'outcome' | 'rule' | 'reason' | 'kinds'> {
  const c = classifySql(sql);
  const v = decideStatements(live.sp, live.policy, who.consumer, c, { database: who.database, grant: who.grant, connection: { remote_addr: '127.0.0.1', remote_port: 0, server_addr: '', server_port: 0 }, session: 'pgs_shape' });
  assert.ok(!(v instanceof Promise));
  const d = v.decision;
  return { outcome: d.outcome === 'redact' ? 'allow' : d.outcome, rule: d.rule, reason: d.reason ?? (d.outcome === 'deny' ? 'denied by policy' : ''), kinds: c.statements.map((s) => s.kind) };
}


/** pgbench's statements and a few more, each a shape; digits of every length. */
function texts(r: () => number, n: number): string[] {
  const num = () => {
    const k = r();
    if (k < 0.1) return '0';
    if (k < 0.2) return '0' + String(Math.floor(r() * 100));
    if (k < 0.3) return '9'.repeat(1 + Math.floor(r() * 30));
    if (k < 0.4) return '4711';
    return String(Math.floor(r() * 100_000));
  };
  const shapes = [
    () => `SELECT abalance FROM pgbench_accounts WHERE aid = ${num()};`,
    () => `UPDATE pgbench_accounts SET abalance = abalance + ${num()} WHERE aid = ${num()};`,
    () => `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${num()}, ${num()}, ${num()}, ${num()}, CURRENT_TIMESTAMP);`,
    () => `SELECT * FROM secret WHERE id = ${num()}`,
    () => `DELETE FROM pgbench_tellers WHERE tid = ${num()}`,
    () => `SELECT ${num()}`,
    () => `SELECT a FROM t WHERE b = ${num()} LIMIT ${num()}`,
  ];
  return Array.from({ length: n }, () => pick(r, shapes)());
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Rules that read the text (whole, in part, its length, through the map's keys), the time, or only facts. */
const POLICIES: Record<string, PolicyConfigInput> = {
  none: {},
  'allow by default': { default: 'allow' },
  'text ends': { rules: [{ id: 'no-4711', when: 'sql.statements.exists(s, s.text.endsWith("4711;") || s.text.endsWith("4711"))', action: 'deny', reason: 'that row is closed' }] },
  'text length': { rules: [{ id: 'short-only', when: 'sql.statements.exists(s, size(s.text) > 48)', action: 'deny', reason: 'too long' }] },
  'text only for selects': { rules: [{ id: 'no-zero-select', when: 'sql.statements.exists(s, s.kind == "select" && s.text.contains("= 0"))', action: 'deny', reason: 'zero' }] },
  'text by key': { rules: [{ id: 'no-nines', when: 'sql.statements.exists(s, s.exists(k, k == "text" && s[k].contains("99")))', action: 'deny', reason: 'nines' }] },
  'texts mapped': { rules: [{ id: 'even', when: 'sql.statements.map(s, s.text).exists(t, t.matches("[02468];?$"))', action: 'deny', reason: 'even' }] },
  'text asks': { rules: [{ id: 'ask-5', when: 'sql.statements.exists(s, s.text.matches("5;?$"))', action: 'ask', reason: 'fives need a look' }] },
  'text allows a write': { rules: [{ id: 'w', when: 'sql.statements.exists(s, s.text.contains("= 1;"))', action: 'allow' }] },
  'time and text': { rules: [{ id: 'clock', when: 'time.getSeconds() >= 0 && sql.statements.exists(s, s.text.endsWith("7"))', action: 'deny', reason: 'sevens' }] },
  'facts only': { rules: [{ id: 'no-secret', when: 'sql.statements.exists(s, "secret" in s.tables)', action: 'deny', reason: 'secret' }] },
  'database': { rules: [{ id: 'no-prod', when: 'sql.database == "prod"', action: 'deny', reason: 'prod' }] },
  'grant': { rules: [{ id: 'granted', when: 'sql.grant != null && sql.grant.role == "writer" && sql.statements.exists(s, s.kind == "delete")', action: 'deny', reason: 'no deletes on a grant' }] },
};

const WHO: Record<string, Who> = {
  reader: { consumer: reader, database: 'app', grant: null },
  writer: { consumer: writer, database: 'app', grant: null },
  'reader on prod': { consumer: reader, database: 'prod', grant: null },
  'nobody with a grant': { consumer: nobody, database: 'app', grant: { id: 'grt_1', role: 'writer', expires: Date.now() + 3_600_000 } },
  nobody: { consumer: nobody, database: 'app', grant: null },
};

test('byShape: every verdict of a -M simple session is the one decided afresh for its text', () => {
  const r = prng(5);
  let kept = 0;
  for (const [pname, cfg] of Object.entries(POLICIES)) {
    for (const sp of [presetOn, presetOff]) {
      // One classifier for every session, as the door has: shapes made by one session serve the others.
      const classifier = new SqlClassifier();
      const sessions = Object.entries(WHO).map(([wname, who]) => ({ wname, who, live: { policy: compiled(cfg), sp }, p: undefined as ReturnType<typeof session> | undefined }));
      for (const s of sessions) s.p = session(s.live, s.who, classifier);
      const seen = new Set<StatementVerdict>();
      for (const sql of texts(r, 400)) {
        // Sessions take turns, text by text.
        for (const s of sessions) {
          const got = sync(s.p!.check(sql, 'query'));
          const want = fresh(s.live, s.who, sql);
          assert.deepEqual({ outcome: got.outcome, rule: got.rule, reason: got.reason, kinds: got.kinds }, want, `${pname}, preset ${sp === presetOn}, ${s.wname}: ${JSON.stringify(sql)}`);
          if (seen.has(got)) {
            kept++;
            assert.notEqual(got.outcome, 'ask', 'an ask is bound to its own text, never kept');
          }
          seen.add(got);
        }
      }
    }
  }
  // Only worth something if verdicts were kept and served again.
  assert.ok(kept > 10_000, `only ${kept} verdicts were served again`);
});

test('byShape: a reload of the policy or of postgres.statements retires the verdicts kept per shape', () => {
  const classifier = new SqlClassifier();
  const live: Live = { policy: compiled({}), sp: presetOn };
  const who = WHO.writer!;
  const p = session(live, who, classifier);
  const r = prng(9);
  const check = (sql: string) => {
    const got = sync(p.check(sql, 'query'));
    assert.deepEqual({ outcome: got.outcome, rule: got.rule, reason: got.reason, kinds: got.kinds }, fresh(live, who, sql), sql);
    return got;
  };
  const deletes = () => Array.from({ length: 5 }, () => `DELETE FROM pgbench_tellers WHERE tid = ${Math.floor(r() * 1e6)}`);
  // The preset asks for a write; without it the default allows; with a rule, denied; back again.
  for (const sql of deletes()) assert.equal(check(sql).outcome, 'ask');
  live.sp = presetOff;
  for (const sql of deletes()) assert.equal(check(sql).outcome, 'allow');
  live.policy = compiled({ rules: [{ id: 'no-deletes', when: 'sql.statements.exists(s, s.kind == "delete")', action: 'deny', reason: 'no' }] });
  for (const sql of deletes()) assert.equal(check(sql).outcome, 'deny');
  live.policy = compiled({ rules: [{ id: 'no-big', when: 'sql.statements.exists(s, s.text.size() > 44)', action: 'deny', reason: 'long' }] });
  for (const tid of ['1', '12345', '1234567890123']) check(`DELETE FROM pgbench_tellers WHERE tid = ${tid}`);
  assert.equal(check('DELETE FROM pgbench_tellers WHERE tid = 123456').outcome, 'deny');
  assert.equal(check('DELETE FROM pgbench_tellers WHERE tid = 1234').outcome, 'allow');
  live.sp = presetOn;
  for (const sql of deletes()) check(sql);
  // The same policy object, only postgres.statements reloaded: the allow kept without the preset must not outlive it.
  live.policy = compiled({});
  live.sp = presetOff;
  for (const sql of deletes()) assert.equal(check(sql).outcome, 'allow');
  live.sp = presetOn;
  for (const sql of deletes()) assert.equal(check(sql).outcome, 'ask');
});
