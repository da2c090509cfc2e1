import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from '../../core/exchange.js';
import { policySchema, type PolicyConfigInput } from '../../policy/config.js';
import { compilePolicy, type CompiledPolicy } from '../../policy/engine.js';
import { loadSqlParser } from './sql/index.js';
import { compileStatementPolicy, statementPolicySchema } from './policy/index.js';
import { syncVerdict, testStatementSession } from './fixtures/statement-session.js';

before(() => loadSqlParser());

const reader: Consumer = { name: 'rita', groups: ['data-reader'], labels: {}, models: [] };
const compiled = (cfg: PolicyConfigInput) => compilePolicy(policySchema.parse(cfg));

const presetOn = compileStatementPolicy(statementPolicySchema.parse({}));
/** A reader's session; assigning `current.policy` reloads the policy. */
const session = (current: { policy: CompiledPolicy }) => testStatementSession(Object.assign(current, { sp: presetOn }), { consumer: reader });
const sync = syncVerdict;

test('a repeated text gets the verdict decided for it; a reload decides it again', () => {
  const current = { policy: compiled({}) };
  const p = session(current);
  const sql = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1';
  const first = sync(p.check(sql, 'parse'));
  assert.equal(first.outcome, 'allow');
  const second = sync(p.check(sql, 'parse'));
  const third = sync(p.check(sql, 'parse'));
  assert.equal(third, second, 'from its second sighting the same verdict object is reused');
  assert.equal(sync(p.check('DELETE FROM pgbench_accounts', 'query')).outcome, 'deny');
  // A reload retires what the session kept: the new policy denies the same text.
  current.policy = compiled({ rules: [{ id: 'no-accounts', when: 'sql.statements.exists(s, "pgbench_accounts" in s.tables)', action: 'deny', reason: 'closed' }] });
  const after = sync(p.check(sql, 'parse'));
  assert.equal(after.outcome, 'deny');
  assert.match(after.rule, /no-accounts/);
});

test('a decision that reads the time is never reused', () => {
  const current = { policy: compiled({ rules: [{ id: 'late', when: 'time.getHours() > 25', action: 'deny', reason: 'never true' }] }) };
  const p = session(current);
  const sql = 'SELECT 1';
  const verdicts = [0, 1, 2].map(() => sync(p.check(sql, 'query')));
  assert.equal(verdicts[0]!.outcome, 'allow');
  assert.notEqual(verdicts[2], verdicts[1]);
});

test('-M simple: texts of one shape share the verdict decided by their facts, never one that read a text', () => {
  const current = { policy: compiled({}) };
  const p = session(current);
  const texts = [1, 2, 3, 4].map((aid) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid}`);
  const v = texts.map((t) => sync(p.check(t, 'query')));
  assert.equal(v[0]!.outcome, 'allow');
  assert.equal(v[3], v[2], 'from the third text of the shape on, the verdict kept for the shape');
  // A rule that reads the text: every text is decided by itself.
  const q = session({ policy: compiled({ rules: [{ id: 'no-4711', when: 'sql != null && sql.statements.exists(s, s.text.endsWith("4711"))', action: 'deny', reason: 'that row is closed' }] }) });
  const outcomes = ['4709', '4710', '4711', '4712', '4711'].map((aid) => sync(q.check(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid}`, 'query')).outcome);
  assert.deepEqual(outcomes, ['allow', 'allow', 'deny', 'allow', 'deny']);
  // A reload retires the verdict kept for the shape.
  current.policy = compiled({ rules: [{ id: 'no-accounts', when: 'sql.statements.exists(s, "pgbench_accounts" in s.tables)', action: 'deny', reason: 'closed' }] });
  assert.equal(sync(p.check('SELECT abalance FROM pgbench_accounts WHERE aid = 5', 'query')).outcome, 'deny');
});
