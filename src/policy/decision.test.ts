import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionToError, PolicyDeniedError, toDecisionRecord } from './decision.js';

test('refusals become catalogue errors carrying the decision', () => {
  const e = decisionToError({ outcome: 'deny', rule: 'opa:global', status: 429, headers: { 'retry-after': '5' }, reason: '{"reason":"slow down"}' });
  assert.ok(e instanceof PolicyDeniedError);
  assert.deepEqual([e.code, e.status, e.headers, e.rule, e.message], ['WARDEN_E_POLICY_DENIED', 429, { 'retry-after': '5' }, 'opa:global', '{"reason":"slow down"} (rule opa:global)']);
  assert.equal(e.decision.reason, '{"reason":"slow down"}');
  const u = decisionToError({ outcome: 'deny', rule: 'opa:global', code: 'WARDEN_E_POLICY_BAD_ANSWER', status: 503, reason: 'the policy server answered something that is not a decision: not JSON' });
  assert.deepEqual([u.code, u.status, u.entry.retry], ['WARDEN_E_POLICY_BAD_ANSWER', 503, true]);
  const a = decisionToError({ outcome: 'ask', rule: 'rule:global.x', approval: 'apr_1', status: 418 });
  assert.deepEqual([a.code, a.status], ['WARDEN_E_APPROVAL_REQUIRED', 403]);
  assert.match(a.message, /rule rule:global\.x needs a human approval: approval apr_1 is pending/);
});

test('the audit record gets outcome, rule and reason (with the approval)', () => {
  assert.deepEqual(toDecisionRecord({ outcome: 'allow', rule: 'default:global.allow' }), { outcome: 'allow', rule: 'default:global.allow' });
  assert.deepEqual(toDecisionRecord({ outcome: 'allow', rule: 'rule:global.x', approval: 'apr_1', reason: 'approved by lead' }), { outcome: 'allow', rule: 'rule:global.x', reason: 'approved by lead [approval apr_1]' });
  assert.deepEqual(toDecisionRecord({ outcome: 'ask', rule: 'rule:global.x', approval: 'apr_1' }), { outcome: 'ask', rule: 'rule:global.x', reason: 'approval apr_1' });
});
