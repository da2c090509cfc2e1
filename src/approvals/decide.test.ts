import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWardenError } from '../core/errors.js';
import { ruleSchema } from '../policy/config.js';
import type { AdminPrincipal } from '../identity/admin-roles.js';
import { decideApproval, isListedApprover, type DecideVerb } from './decide.js';
import { openSqliteApprovals } from './sqlite.js';
import type { ApprovalStore, NewApproval } from './types.js';

const T0 = 1_000_000;
const asked = (over: Partial<NewApproval> = {}): NewApproval => ({
  consumer: 'alice', door: 'hook', summary: 'hook · tool Bash {"command":"git push --force"}', rule: 'rule:global.force-push',
  fingerprint: 'f1', approvers: ['platform-team'], created: T0, expires: T0 + 60_000, grantTtlMs: 3_600_000, ...over,
});
const who = (name: string, role: AdminPrincipal['role'], groups: string[] = []): AdminPrincipal => ({ name, role, groups, via: 'admin-api' });
const lead = who('lead', 'approver', ['platform-team']);

async function attempt(store: ApprovalStore, id: string, verb: DecideVerb, by: AdminPrincipal, now = T0 + 1000) {
  try {
    const a = await decideApproval(store, { id, verb, by, now });
    return { ok: a.status };
  } catch (e) {
    if (!isWardenError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}

test('refused answers, one per class, each recorded as a refused event', async () => {
  // [case, approval overrides, steps before the attempt, the attempt, expected code, message part]
  const cases: [string, Partial<NewApproval>, [DecideVerb, AdminPrincipal][], DecideVerb, AdminPrincipal, number, string, RegExp][] = [
    ['the requesting consumer, even with role admin and the right group', {}, [], 'approve', who('alice', 'admin', ['platform-team']), T0 + 1000, 'WARDEN_E_APPROVAL_SELF', /asked for by consumer alice; alice cannot answer their own request/],
    ['the requesting consumer denying (also a decision)', {}, [], 'deny', who('alice', 'approver', ['platform-team']), T0 + 1000, 'WARDEN_E_APPROVAL_SELF', /own request/],
    ['role viewer', {}, [], 'approve', who('vic', 'viewer', ['platform-team']), T0 + 1000, 'WARDEN_E_ADMIN_FORBIDDEN', /vic has role viewer, which does not allow approvals\.decide; roles that do: admin, approver/],
    ['role auditor', {}, [], 'approve', who('aud', 'auditor', ['platform-team']), T0 + 1000, 'WARDEN_E_ADMIN_FORBIDDEN', /role auditor/],
    ['an approver outside `approvers`', {}, [], 'approve', who('bob', 'approver', ['db-owners']), T0 + 1000, 'WARDEN_E_APPROVAL_NOT_APPROVER', /may be answered only by platform-team \(rule rule:global\.force-push\); bob \(role approver, groups db-owners\) is none of them/],
    ['an admin outside `approvers` (admin is no bypass)', {}, [], 'approve', who('root', 'admin'), T0 + 1000, 'WARDEN_E_APPROVAL_NOT_APPROVER', /root \(role admin\) is none of them/],
    ['role entry names another role', { approvers: ['role:admin'] }, [], 'approve', lead, T0 + 1000, 'WARDEN_E_APPROVAL_NOT_APPROVER', /only by role:admin/],
    ['expired unanswered', {}, [], 'approve', lead, T0 + 60_000, 'WARDEN_E_APPROVAL_CLOSED', /expired at .* unanswered/],
    ['approving twice', {}, [['approve', lead]], 'approve', who('lee', 'approver', ['platform-team']), T0 + 2000, 'WARDEN_E_APPROVAL_CLOSED', /already approved by lead/],
    ['denying then approving', {}, [['deny', lead]], 'approve', lead, T0 + 2000, 'WARDEN_E_APPROVAL_CLOSED', /already denied by lead/],
  ];
  for (const [name, over, before, verb, by, now, code, message] of cases) {
    const store = openSqliteApprovals(':memory:');
    const a = await store.create(asked(over));
    for (const [v, p] of before) assert.ok((await attempt(store, a.id, v, p)).ok, name);
    const r = await attempt(store, a.id, verb, by, now);
    assert.equal(r.code, code, name);
    assert.match(r.message!, message, name);
    const last = (await store.events(a.id)).at(-1)!;
    assert.deepEqual({ actor: last.actor, outcome: last.outcome, code: last.code, consumer: last.consumer, rule: last.rule, action: last.action }, { actor: by.name, outcome: 'refused', code, consumer: 'alice', rule: 'rule:global.force-push', action: verb }, name);
    const after = (await store.get(a.id))!;
    assert.equal(after.status, before.length ? (before[0]![0] === 'approve' ? 'approved' : 'denied') : 'pending', `${name}: the approval is unchanged`);
    store.close();
  }
});

test('an unknown approval is refused and the attempt recorded', async () => {
  const store = openSqliteApprovals(':memory:');
  assert.deepEqual(await attempt(store, 'apr_nope', 'approve', lead), { code: 'WARDEN_E_ADMIN_NOT_FOUND', message: 'no approval apr_nope' });
  assert.equal((await store.events('apr_nope'))[0]?.outcome, 'refused');
  store.close();
});

test('a listed approver decides: recorded with name, role and how; the decision event names all of it', async () => {
  for (const [approvers, by] of [
    [['platform-team'], lead],
    [['lead'], who('lead', 'approver')],
    [['role:approver'], who('lee', 'approver')],
    [[], who('any', 'approver')],
    [[], who('root', 'admin')],
  ] as [string[], AdminPrincipal][]) {
    const store = openSqliteApprovals(':memory:');
    const a = await store.create(asked({ approvers }));
    const decided = await decideApproval(store, { id: a.id, verb: 'approve', by, note: 'ok once', ttlMs: 5000, now: T0 + 10 });
    assert.deepEqual({ status: decided.status, by: decided.decidedBy, role: decided.decidedRole, via: decided.decidedVia, expires: decided.expires, note: decided.note }, { status: 'approved', by: by.name, role: by.role, via: 'admin-api', expires: T0 + 5010, note: 'ok once' }, approvers.join());
    const [e] = await store.events(a.id);
    assert.equal(e!.outcome, 'approved');
    assert.equal(e!.reason, `approved ${a.id} (rule rule:global.force-push, asked by consumer alice) as ${by.name} (role ${by.role}) via admin-api; holds until ${new Date(T0 + 5010).toISOString()}`);
    store.close();
  }
});

test('approvers entries match a name, a group or role:<role>, nothing else', () => {
  assert.equal(isListedApprover(['lead'], who('lead', 'approver')), true);
  assert.equal(isListedApprover(['ops'], who('x', 'approver', ['ops'])), true);
  assert.equal(isListedApprover(['role:approver'], who('x', 'approver')), true);
  assert.equal(isListedApprover(['approver'], who('x', 'approver')), false, 'a bare role name is not a role entry');
  assert.equal(isListedApprover(['role:admin'], who('x', 'approver')), false);
  assert.equal(isListedApprover(['Lead'], who('lead', 'approver')), false, 'names are exact');
});

test('events are claimed for the audit log once, across connections', async () => {
  const store = openSqliteApprovals(':memory:');
  const a = await store.create(asked());
  await attempt(store, a.id, 'approve', who('alice', 'admin'));
  await attempt(store, a.id, 'approve', lead);
  const first = await store.claimUnaudited(10);
  assert.deepEqual(first.map((e) => e.outcome), ['refused', 'approved']);
  assert.deepEqual(await store.claimUnaudited(10), []);
  store.close();
});

test('a rule\'s role entries name a role that may decide', () => {
  for (const ok of [['role:approver'], ['role:admin'], ['lead', 'platform-team']]) assert.ok(ruleSchema.safeParse({ id: 'r', when: 'true', action: 'ask', approvers: ok }).success, ok.join());
  for (const bad of [['role:aprover'], ['role:viewer'], ['role:auditor'], ['']]) assert.equal(ruleSchema.safeParse({ id: 'r', when: 'true', action: 'ask', approvers: bad }).success, false, bad.join());
});

test('an OIDC approver is refused on a request made with their own token (issuer + subject) or by the consumer their token maps to', async () => {
  const store = openSqliteApprovals(':memory:');
  const oidc = (subject: string, consumer: string, keyId: string): AdminPrincipal => ({
    name: `oidc:https://idp#${subject}`, role: 'approver', groups: ['platform-team'], via: 'admin-api', oidc: { issuer: 'https://idp', subject, consumer, keyId },
  });
  // The request came with alice's token; her token maps to consumer "okta:alice".
  const a = await store.create(asked({ consumer: 'okta:alice', requesterKey: 'oidc_aaaaaaaaaaaaaaaa' }));
  const sameToken = await attempt(store, a.id, 'approve', oidc('alice', 'okta:alice', 'oidc_aaaaaaaaaaaaaaaa'));
  assert.equal(sameToken.code, 'WARDEN_E_APPROVAL_SELF');
  assert.match(sameToken.message!, /asked for by okta:alice \(oidc:https:\/\/idp#alice\): the same identity cannot answer its own request/);
  // Same subject, but the approval was asked by a key of the consumer her token maps to: still hers.
  const b = await store.create(asked({ consumer: 'okta:alice', fingerprint: 'f2', requesterKey: 'key_0001' }));
  assert.equal((await attempt(store, b.id, 'approve', oidc('alice', 'okta:alice', 'oidc_aaaaaaaaaaaaaaaa'))).code, 'WARDEN_E_APPROVAL_SELF');
  // Another identity in the approvers' group answers.
  assert.deepEqual(await attempt(store, a.id, 'approve', oidc('carol', 'okta:carol', 'oidc_cccccccccccccccc')), { ok: 'approved' });
  const events = await store.events(a.id);
  assert.deepEqual(events.map((e) => [e.actor, e.outcome]), [['oidc:https://idp#alice', 'refused'], ['oidc:https://idp#carol', 'approved']]);
  store.close();
});

test('two approvers at once, through two handles on one database (server and CLI): exactly one answer wins, the other is refused and recorded', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'warden-race-'));
  const server = openSqliteApprovals(join(dir, 'a.db'));
  const cli = openSqliteApprovals(join(dir, 'a.db'));
  t.after(() => {
    server.close();
    cli.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 20; i++) {
    const a = await server.create(asked({ fingerprint: `race${i}` }));
    const results = await Promise.all([attempt(server, a.id, 'approve', lead), attempt(cli, a.id, 'deny', who('lee', 'approver', ['platform-team']))]);
    const won = results.filter((r) => 'ok' in r);
    assert.equal(won.length, 1, JSON.stringify(results));
    assert.equal(results.find((r) => !('ok' in r))?.code, 'WARDEN_E_APPROVAL_CLOSED');
    const final = await cli.get(a.id);
    assert.equal(final?.status, won[0]!.ok);
    const events = await server.events(a.id);
    assert.deepEqual(events.map((e) => e.outcome).sort(), [won[0]!.ok, 'refused'].sort());
  }
});

test('the same person through another credential: their OIDC login against their key\'s consumer, with or without a consumer prefix', async () => {
  const store = openSqliteApprovals(':memory:');
  const oidc = (consumer: string, subject: string): AdminPrincipal => ({ name: `oidc:https://idp.example.com#${subject}`, role: 'approver', groups: ['platform-team'], via: 'admin-api', oidc: { issuer: 'https://idp.example.com', subject, consumer, keyId: 'oidc_00000000000000aa' } });
  const cases: [string, string, AdminPrincipal][] = [
    ['consumer alice (a virtual key) vs the OIDC login mapped to okta:alice', 'alice', oidc('okta:alice', '00u1')],
    ['consumer alice vs an OIDC login whose subject is alice', 'alice', oidc('okta:a.smith', 'alice')],
    ['consumer okta:alice (an OIDC request) vs the admin key named alice', 'okta:alice', who('alice', 'approver', ['platform-team'])],
  ];
  for (const [what, consumer, by] of cases) {
    const a = await store.create(asked({ consumer, fingerprint: what }));
    const r = await attempt(store, a.id, 'approve', by);
    assert.equal(r.code, 'WARDEN_E_APPROVAL_SELF', `${what}: ${JSON.stringify(r)}`);
  }
  const a = await store.create(asked({ consumer: 'okta:bob', fingerprint: 'other' }));
  assert.equal((await attempt(store, a.id, 'approve', oidc('okta:alice', '00u1'))).ok, 'approved', 'another person still answers');
  store.close();
});

test('an executed approval cannot be answered again: the refusal names it as executed, and is recorded', async () => {
  const store = openSqliteApprovals(':memory:');
  const a = await store.create(asked({ door: 'postgres' }));
  await decideApproval(store, { id: a.id, verb: 'approve', by: lead, now: T0 + 1000 });
  assert.ok(await store.execute(a.id, 'pgs_0123456789abcdef', T0 + 1500));
  const r = await attempt(store, a.id, 'deny', who('lee', 'approver', ['platform-team']), T0 + 2000);
  assert.equal(r.code, 'WARDEN_E_APPROVAL_EXECUTED');
  assert.match(r.message!, new RegExp(`^approval ${a.id} was approved by lead and already executed at \\S+Z by session pgs_0123456789abcdef; it runs once`));
  const events = await store.events(a.id);
  assert.deepEqual(events.map((e) => [e.action, e.outcome, e.code, e.via, e.actor]), [['approve', 'approved', null, 'admin-api', 'lead'], ['execute', 'executed', null, 'door', 'alice'], ['deny', 'refused', 'WARDEN_E_APPROVAL_EXECUTED', 'admin-api', 'lee']]);
  assert.match(events[1]!.reason, /^executed apr_\w+ \(rule rule:global\.force-push, approved by lead\) once, by session pgs_0123456789abcdef of consumer alice/);
  store.close();
});
