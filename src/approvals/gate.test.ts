import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionToError } from '../policy/decision.js';
import type { Decision } from '../policy/decision.js';
import { parseDocument } from '../policy/document.js';
import { fingerprint, summarize } from './fingerprint.js';
import { resolveAsk } from './gate.js';
import { openSqliteApprovals } from './sqlite.js';

const ask: Decision = { outcome: 'ask', rule: 'rule:global.force-push', reason: 'force pushes need a human', approvers: ['lead'] };
const call = (command: string, consumer = 'alice') =>
  parseDocument({ door: 'hook', time: 1, consumer: { name: consumer }, session: { id: 's' + command.length }, tool: { server: null, name: 'Bash', arguments: { command } } });
const opts = (now: number) => ({ pendingTtlMs: 1000, grantTtlMs: 10_000, now });

test('ask → pending approval named in WARDEN_E_APPROVAL_REQUIRED; approved → identical request allowed until expiry', async () => {
  const store = openSqliteApprovals(':memory:');
  const first = await resolveAsk(store, ask, call('git push --force'), opts(100));
  assert.equal(first.outcome, 'ask');
  assert.match(first.approval!, /^apr_/);
  const err = decisionToError(first);
  assert.equal(err.code, 'WARDEN_E_APPROVAL_REQUIRED');
  assert.equal(err.status, 403);
  assert.equal(err.rule, 'rule:global.force-push');
  assert.ok(err.message.includes(first.approval!), err.message);
  assert.equal(err.message, `force pushes need a human; rule rule:global.force-push needs a human approval: approval ${first.approval} is pending: ask a Warden approver to review it, then repeat the request`);
  assert.ok(!/warden approvals|--admin-key|approve apr_/.test(err.message), 'the agent is not handed an approval command');
  const reviewed = await resolveAsk(store, ask, call('git push --force'), { ...opts(150), reviewUrl: 'https://console.example/approvals' });
  assert.match(decisionToError(reviewed).message, new RegExp(`approval ${first.approval} is pending: a Warden approver reviews it at https://console\\.example/approvals, then repeat the request$`));

  const again = await resolveAsk(store, ask, call('git push --force'), opts(200));
  assert.equal(again.approval, first.approval, 'the same request reuses its pending approval');
  const pending = (await store.list({ now: 200 }))[0]!;
  assert.deepEqual({ consumer: pending.consumer, door: pending.door, rule: pending.rule, created: pending.created, expires: pending.expires, approvers: pending.approvers }, {
    consumer: 'alice', door: 'hook', rule: 'rule:global.force-push', created: 100, expires: 1100, approvers: ['lead'],
  });
  assert.equal(pending.summary, 'hook · tool Bash {"command":"git push --force"}');

  await store.decide(first.approval!, { status: 'approved', by: 'lead', now: 300, expires: 300 + pending.grantTtlMs });
  assert.deepEqual(await resolveAsk(store, ask, call('git push --force'), opts(400)), { outcome: 'allow', rule: ask.rule, approval: first.approval, reason: 'approved by lead' });
  assert.equal((await resolveAsk(store, ask, call('git push --force origin'), opts(400))).outcome, 'ask', 'a different command is another request');
  assert.equal((await resolveAsk(store, ask, call('git push --force', 'bob'), opts(400))).outcome, 'ask', 'another consumer is another request');
  const expired = await resolveAsk(store, ask, call('git push --force'), opts(10_300));
  assert.equal(expired.outcome, 'ask');
  assert.notEqual(expired.approval, first.approval, 'after expiry a new approval is needed');
  store.close();
});

test('a refused approval denies the identical request while it holds', async () => {
  const store = openSqliteApprovals(':memory:');
  const first = await resolveAsk(store, ask, call('rm -rf build'), opts(0));
  await store.decide(first.approval!, { status: 'denied', by: 'lead', note: 'not today', now: 10, expires: 5000 });
  const d = await resolveAsk(store, ask, call('rm -rf build'), opts(20));
  assert.deepEqual(d, { outcome: 'deny', rule: ask.rule, approval: first.approval, status: 403, reason: `approval ${first.approval} was refused by lead: not today` });
  assert.equal(decisionToError(d).code, 'WARDEN_E_POLICY_DENIED');
  store.close();
});

test('non-ask decisions pass through untouched; redactions survive an approval', async () => {
  const store = openSqliteApprovals(':memory:');
  const allow: Decision = { outcome: 'allow', rule: 'default:global.allow' };
  assert.equal(await resolveAsk(store, allow, call('ls'), opts(0)), allow);
  const withRedact: Decision = { ...ask, redact: ['secrets'] };
  const p = await resolveAsk(store, withRedact, call('cat .env'), opts(0));
  await store.decide(p.approval!, { status: 'approved', by: 'lead', now: 1, expires: 9999 });
  const d = await resolveAsk(store, withRedact, call('cat .env'), opts(2));
  assert.equal(d.outcome, 'redact');
  assert.deepEqual(d.redact, ['secrets']);
  store.close();
});

test('the fingerprint covers decision facts, not headers, time or session', () => {
  const base = { door: 'http', consumer: { name: 'a' }, request: { method: 'POST', path: '/api/q', body: { database: 'prod', q: 1 } } } as const;
  const a = parseDocument({ ...base, time: 1, session: { id: 'x' }, request: { ...base.request, headers: { 'x-a': '1' } } });
  const b = parseDocument({ ...base, time: 2, session: { id: 'y' }, request: { ...base.request, body: { q: 1, database: 'prod' } } });
  const c = parseDocument({ ...base, time: 1, request: { ...base.request, body: { database: 'staging', q: 1 } } });
  assert.equal(fingerprint(a, 'r'), fingerprint(b, 'r'));
  assert.notEqual(fingerprint(a, 'r'), fingerprint(c, 'r'));
  assert.notEqual(fingerprint(a, 'r'), fingerprint(a, 'other-rule'));
  assert.equal(summarize(a), 'http · POST /api/q · body {"database":"prod","q":1}');
});
