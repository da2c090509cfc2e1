import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWardenError } from '../core/errors.js';
import { oidcAdminPrincipal, oidcRole, parseOidcPrincipalName, refusedOidcIdentity, type OidcRoleRule } from './admin-oidc.js';

const IDP = 'https://idp.example.com';
const rules: OidcRoleRule[] = [
  { issuer: IDP, group: 'warden-viewers', role: 'viewer' },
  { issuer: IDP, group: 'sec', role: 'auditor' },
  { issuer: IDP, group: 'approvers', role: 'approver' },
  { issuer: 'https://partner.example.com', group: 'approvers', role: 'admin' },
];
const id = (groups: string[], issuer = IDP) => ({ issuer, subject: '00u1', name: 'ann', groups, keyId: 'oidc_0123456789abcdef' });

test('the first of admin, approver, auditor, viewer wins, whatever the order of the rules or groups', () => {
  assert.equal(oidcRole(id(['warden-viewers', 'sec', 'approvers']), rules), 'approver');
  assert.equal(oidcRole(id(['sec', 'warden-viewers']), rules), 'auditor');
  assert.equal(oidcRole(id(['warden-viewers']), rules), 'viewer');
  assert.equal(oidcRole(id(['other']), rules), undefined);
});

test('a rule binds its group to its issuer: the same group name at another issuer grants only that issuer\'s role', () => {
  assert.equal(oidcRole(id(['approvers'], 'https://partner.example.com'), rules), 'admin');
  assert.equal(oidcRole(id(['sec'], 'https://partner.example.com'), rules), undefined);
  assert.equal(oidcRole(id(['approvers'], 'https://idp.example.com/'), rules), undefined, 'the issuer is compared exactly');
});

test('the principal is named by issuer and subject; a refusal names who and what is mapped, and is remembered for the audit', () => {
  const p = oidcAdminPrincipal(id(['approvers']), rules, 'admin-api');
  assert.equal(p.name, `oidc:${IDP}#00u1`);
  assert.deepEqual(p.oidc, { issuer: IDP, subject: '00u1', consumer: 'ann', keyId: 'oidc_0123456789abcdef' });
  assert.deepEqual(parseOidcPrincipalName(p.name), { issuer: IDP, subject: '00u1' });
  assert.deepEqual(parseOidcPrincipalName('oidc:https://a#b#c'), { issuer: 'https://a', subject: 'b#c' });
  assert.equal(parseOidcPrincipalName('lead'), undefined);
  try {
    oidcAdminPrincipal(id(['x']), rules, 'cli');
    assert.fail('no role');
  } catch (e) {
    assert.ok(isWardenError(e));
    assert.equal(e.code, 'WARDEN_E_ADMIN_FORBIDDEN');
    assert.match(e.message, /ann \(oidc:https:\/\/idp\.example\.com#00u1\) has no admin role: none of their groups \(x\) is mapped in admin\.oidc_roles for https:\/\/idp\.example\.com \(mapped: warden-viewers, sec, approvers\)/);
    assert.deepEqual(refusedOidcIdentity(e), { name: `oidc:${IDP}#00u1`, issuer: IDP, subject: '00u1' });
  }
});

test('someone in an approver group and an auditor group holds both roles: they decide and still read the config', async () => {
  const { requirePermission } = await import('./admin-principal.js');
  const p = oidcAdminPrincipal(id(['sec', 'approvers']), rules, 'admin-api');
  assert.equal(p.role, 'approver', 'the first role names them');
  assert.deepEqual(p.roles, ['approver', 'auditor']);
  for (const perm of ['approvals.decide', 'approvals.read', 'config.read', 'policy.explain'] as const) assert.doesNotThrow(() => requirePermission(p, perm), perm);
  assert.throws(() => requirePermission(p, 'config.write'), /has role approver, auditor, which does not allow config\.write/);
});

test('a group an approval names is matched only when admin.oidc_roles binds it to the token\'s own issuer', async () => {
  const { isListedApprover } = await import('../approvals/decide.js');
  const two: OidcRoleRule[] = [...rules, { issuer: 'https://ci.example.com', group: 'ci-approvers', role: 'approver' }];
  // The CI issuer's approver also writes the company's group name into its token.
  const ci = oidcAdminPrincipal(id(['ci-approvers', 'approvers', 'platform-team'], 'https://ci.example.com'), two, 'admin-api');
  assert.equal(ci.role, 'approver');
  assert.deepEqual(ci.groups, ['ci-approvers']);
  assert.equal(isListedApprover(['approvers'], ci), false, 'the company\'s group, claimed by another issuer');
  assert.equal(isListedApprover(['platform-team'], ci), false, 'a group no rule binds to that issuer');
  assert.equal(isListedApprover(['ci-approvers'], ci), true);
  const own = oidcAdminPrincipal(id(['approvers', 'sec']), two, 'admin-api');
  assert.equal(isListedApprover(['approvers'], own), true);
  assert.equal(isListedApprover(['role:auditor'], own), true, 'every role counts for role: entries');
});
