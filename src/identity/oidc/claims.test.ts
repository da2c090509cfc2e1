import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../../core/errors.js';
import { groupsFromClaim, mapClaims, MAX_GROUPS, readClaimPath } from './claims.js';
import { oidcIssuerSchema } from './config.js';

const issuer = (extra: Record<string, unknown> = {}) => oidcIssuerSchema.parse({ issuer: 'https://idp.example.com', audience: 'https://warden.example.com', ...extra });

test('claim paths: top level, nested, and claim names that contain dots', () => {
  const claims = { sub: 'u1', realm_access: { roles: ['a', 'b'] }, 'https://example.com/groups': ['ns'], 'x.y': { z: 1 }, arr: [{ k: 1 }] };
  assert.equal(readClaimPath(claims, 'sub'), 'u1');
  assert.deepEqual(readClaimPath(claims, 'realm_access.roles'), ['a', 'b']);
  assert.deepEqual(readClaimPath(claims, 'https://example.com/groups'), ['ns']);
  assert.equal(readClaimPath(claims, 'x.y.z'), 1);
  assert.equal(readClaimPath(claims, 'realm_access.missing'), undefined);
  assert.equal(readClaimPath(claims, 'sub.length'), undefined, 'no walking into strings');
  assert.equal(readClaimPath(claims, 'arr.0.k'), undefined, 'no walking into arrays');
  assert.equal(readClaimPath(claims, '__proto__.constructor'), undefined, 'inherited members are not claims');
  assert.equal(readClaimPath(claims, 'toString'), undefined);
});

test('groups: arrays or space-separated strings, non-strings dropped, deduplicated, bounded', () => {
  assert.deepEqual(groupsFromClaim(['a', 'b', 'a', 3, '', null]), ['a', 'b']);
  assert.deepEqual(groupsFromClaim('read write  admin'), ['read', 'write', 'admin']);
  assert.deepEqual(groupsFromClaim({ a: 1 }), []);
  assert.deepEqual(groupsFromClaim(undefined), []);
  assert.equal(groupsFromClaim(Array.from({ length: 1000 }, (_, i) => `g${i}`)).length, MAX_GROUPS);
  assert.deepEqual(groupsFromClaim(['x'.repeat(300), 'ok']), ['ok']);
});

test('mapping: group_map, pass-through, only_mapped_groups, fixed groups, label rules in order', () => {
  const cfg = issuer({
    name_claim: 'email',
    groups_claim: 'realm_access.roles',
    group_map: { '6f1c-guid': ['data-reader'], writer: ['data-writer', 'staff'] },
    groups: ['everyone'],
    labels: { level: 'sandbox', org: 'acme' },
    label_rules: [{ group: 'writer', labels: { level: 'staging' } }, { group: 'prod', labels: { level: 'production' } }],
  });
  const m = mapClaims(cfg, { sub: 's', email: 'ann@acme.test', realm_access: { roles: ['6f1c-guid', 'writer', 'other', 'prod'] } });
  assert.equal(m.name, 'ann@acme.test');
  assert.deepEqual(m.idpGroups, ['6f1c-guid', 'writer', 'other', 'prod']);
  assert.deepEqual(m.groups, ['everyone', 'data-reader', 'data-writer', 'staff', 'other', 'prod']);
  assert.deepEqual(m.labels, { level: 'production', org: 'acme' });
  const only = mapClaims(issuer({ group_map: { a: ['mapped'] }, only_mapped_groups: true }), { sub: 's', groups: ['a', 'b'] });
  assert.deepEqual(only.groups, ['mapped']);
  assert.deepEqual(mapClaims(issuer(), { sub: 's' }).groups, [], 'no groups claim, no groups');
});

test('mapping: the consumer name comes from the name claim, prefixed, and must be a usable name', () => {
  assert.equal(mapClaims(issuer({ consumer_prefix: 'okta:' }), { sub: '00u1abc' }).name, 'okta:00u1abc');
  assert.equal(mapClaims(issuer({ name_claim: 'preferred_username' }), { sub: 's', preferred_username: 'jo' }).name, 'jo');
  const refused = (claims: Record<string, unknown>, extra = {}) =>
    assert.throws(() => mapClaims(issuer(extra), claims), (e: unknown) => e instanceof WardenError && e.code === 'WARDEN_E_TOKEN_CLAIMS');
  refused({ sub: 's' }, { name_claim: 'email' });
  refused({ sub: 's', name: 'Ann Example' }, { name_claim: 'name' });
  refused({ sub: 'x'.repeat(200) });
  refused({ sub: 'a\nb' });
  refused({ sub: 42 });
});

test('config: HMAC and none are not expressible, skew is bounded, issuers are unique', async () => {
  assert.throws(() => issuer({ algorithms: ['HS256'] }));
  assert.throws(() => issuer({ algorithms: ['none'] }));
  assert.throws(() => issuer({ clock_skew_seconds: 3600 }));
  assert.deepEqual(issuer().algorithms, ['RS256', 'ES256', 'PS256', 'EdDSA']);
  assert.deepEqual(issuer().audience, ['https://warden.example.com']);
  const { identitySchema } = await import('./config.js');
  assert.throws(() => identitySchema.parse({ oidc: [{ issuer: 'https://a.test', audience: 'x' }, { issuer: 'https://a.test', audience: 'y' }] }), /listed twice/);
});

test('config: plain http only to this machine', async () => {
  const { isHttpsOrLoopback } = await import('./config.js');
  assert.equal(isHttpsOrLoopback('https://idp.example.com'), true);
  assert.equal(isHttpsOrLoopback('http://127.0.0.1:9400'), true);
  assert.equal(isHttpsOrLoopback('http://localhost/realms/x'), true);
  assert.equal(isHttpsOrLoopback('http://idp.example.com'), false);
  assert.equal(isHttpsOrLoopback('http://127.0.0.1.evil.test'), false);
  assert.throws(() => issuer({ issuer: 'http://idp.example.com' }), /https URL/);
  assert.throws(() => issuer({ jwks_uri: 'http://keys.example.com/jwks' }), /https URL/);
});
