/**
 * The admin API door: every route refused without a configured admin key, with a virtual
 * key, with a wrong key, and with a role that does not grant it — as a table of routes ×
 * callers. The expected roles per route are written out here, not derived from the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestWarden, type TestWarden } from './support/warden.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { admin: 'wadm_roles_admin_0123456789abcdefghij', approver: 'wadm_roles_approver_0123456789abcdef', auditor: 'wadm_roles_auditor_0123456789abcdefg', viewer: 'wadm_roles_viewer_0123456789abcdefgh' } as const;
type Role = keyof typeof KEYS;

const READ: Role[] = ['admin', 'auditor', 'viewer'];
const WRITE: Role[] = ['admin'];
// [method, path, body, roles allowed]
const ROUTES: [string, string, unknown, Role[]][] = [
  ['GET', '/admin/keys', undefined, READ],
  ['POST', '/admin/keys', {}, WRITE],
  ['GET', '/admin/keys/key_nope', undefined, READ],
  ['POST', '/admin/keys/key_nope/revoke', undefined, WRITE],
  ['POST', '/admin/keys/key_nope/rotate', {}, WRITE],
  ['DELETE', '/admin/keys/key_nope', undefined, WRITE],
  ['GET', '/admin/consumers', undefined, READ],
  ['GET', '/admin/consumers/nobody', undefined, READ],
  ['PUT', '/admin/consumers/bad name', {}, WRITE],
  ['DELETE', '/admin/consumers/nobody', undefined, WRITE],
  ['GET', '/admin/routes', undefined, READ],
  ['POST', '/admin/routes', {}, WRITE],
  ['GET', '/admin/routes/nope', undefined, READ],
  ['PUT', '/admin/routes/nope', {}, WRITE],
  ['DELETE', '/admin/routes/nope', undefined, WRITE],
  ['GET', '/admin/policies', undefined, READ],
  ['POST', '/admin/policies', {}, WRITE],
  ['DELETE', '/admin/policies/nope', undefined, WRITE],
  ['POST', '/admin/policy/explain', {}, ['admin', 'auditor']],
  ['GET', '/admin/usage', undefined, READ],
  ['GET', '/admin/approvals', undefined, ['admin', 'approver', 'auditor']],
  ['GET', '/admin/approvals/apr_nope', undefined, ['admin', 'approver', 'auditor']],
  ['POST', '/admin/approvals/apr_nope/approve', {}, ['admin', 'approver']],
  ['POST', '/admin/approvals/apr_nope/deny', {}, ['admin', 'approver']],
  ['GET', '/admin/nothing-here', undefined, READ],
  // Outside /admin: 404 to anyone authenticated.
  ['GET', '/elsewhere', undefined, ['admin', 'approver', 'auditor', 'viewer']],
];

async function call(w: TestWarden, method: string, path: string, body: unknown, headers: Record<string, string>) {
  const r = await fetch(`${w.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await r.json()) as { error?: { code: string; message: string } };
  return { status: r.status, code: json.error?.code, message: json.error?.message ?? '' };
}

test('no admin key configured: every admin route answers 401, whatever is presented', async (t) => {
  const w = await startTestWarden({});
  t.after(() => w.close());
  const agent = w.key('agent').key;
  for (const [method, path, body] of ROUTES) {
    for (const headers of [{}, { authorization: `Bearer ${agent}` }, { 'x-admin-key': KEYS.admin }, { authorization: 'Bearer ' }] as Record<string, string>[]) {
      const r = await call(w, method, path, body, headers);
      assert.deepEqual([r.status, r.code], [401, 'WARDEN_E_ADMIN_UNAUTHORIZED'], `${method} ${path} ${JSON.stringify(headers)}`);
      assert.match(r.message, /no admin key is configured/);
    }
  }
  assert.equal((await fetch(`${w.adminUrl}/healthz`)).status, 200, 'health stays open');
});

test('configured: no key, a wrong key and a virtual key are 401 on every route; each role reaches exactly its routes', async (t) => {
  const w = await startTestWarden({
    admin: {
      key_sha256: sha(KEYS.admin),
      keys: [
        { name: 'ann', key_sha256: sha(KEYS.approver), role: 'approver' },
        { name: 'aud', key_sha256: sha(KEYS.auditor), role: 'auditor' },
        { name: 'vic', key_sha256: sha(KEYS.viewer), role: 'viewer' },
      ],
    },
  });
  t.after(() => w.close());
  const agent = w.key('agent').key;
  for (const [method, path, body, allowed] of ROUTES) {
    for (const [what, headers, pattern] of [
      ['no key', {}, /admin key missing/],
      ['a wrong key', { authorization: 'Bearer wadm_wrong_0123456789abcdefghijkl' }, /admin key wrong/],
      ['a virtual key', { authorization: `Bearer ${agent}` }, /virtual key .* is never an admin identity/],
      ['a virtual key as x-admin-key', { 'x-admin-key': agent }, /never an admin identity/],
    ] as [string, Record<string, string>, RegExp][]) {
      const r = await call(w, method, path, body, headers);
      assert.deepEqual([r.status, r.code], [401, 'WARDEN_E_ADMIN_UNAUTHORIZED'], `${method} ${path} with ${what}`);
      assert.match(r.message, pattern, `${method} ${path} with ${what}`);
    }
    for (const role of ['viewer', 'auditor', 'approver', 'admin'] as Role[]) {
      const r = await call(w, method, path, body, { authorization: `Bearer ${KEYS[role]}` });
      const label = `${method} ${path} as ${role}: ${r.status} ${r.code} ${r.message}`;
      if (allowed.includes(role)) assert.ok(r.status !== 401 && r.status !== 403, label);
      else {
        assert.deepEqual([r.status, r.code], [403, 'WARDEN_E_ADMIN_FORBIDDEN'], label);
        assert.match(r.message, /has role \w+, which does not allow [a-z.]+; roles that do: /, label);
      }
    }
  }
});

test('config: admin keys need distinct names and keys, and a role', async () => {
  const bad: [unknown, RegExp][] = [
    [{ keys: [{ name: 'a', key_sha256: sha('x'), role: 'root' }] }, /admin\.keys\[0\]\.role: Invalid option/],
    [{ keys: [{ name: 'a', key_sha256: sha('x'), role: 'viewer' }, { name: 'a', key_sha256: sha('y'), role: 'viewer' }] }, /used twice/],
    [{ keys: [{ name: 'a', key_sha256: sha('x'), role: 'viewer' }, { name: 'b', key_sha256: sha('x'), role: 'viewer' }] }, /listed twice/],
    [{ key_sha256: sha('x'), keys: [{ name: 'b', key_sha256: sha('x'), role: 'viewer' }] }, /already admin\.key_sha256/],
    [{ key_sha256: sha('x'), keys: [{ name: 'admin', key_sha256: sha('y'), role: 'viewer' }] }, /"admin" names the holder/],
    [{ keys: [{ name: 'a', key_sha256: 'ABC', role: 'viewer' }] }, /lowercase hex SHA-256/],
  ];
  for (const [admin, message] of bad) {
    await assert.rejects(startTestWarden({ admin: admin as never }), message, JSON.stringify(admin));
  }
});

test('anonymous approve/deny attempts write no approval trail rows and a bounded number of audit records; named callers are always audited', async (t) => {
  const { readAuditRecords } = await import('./support/audit-records.js');
  const w = await startTestWarden({ admin: { key_sha256: sha(KEYS.admin), keys: [{ name: 'vic', key_sha256: sha(KEYS.viewer), role: 'viewer' }] } });
  t.after(() => w.close());
  const now = Date.now();
  const a = await w.warden.gateway.approvals.create({ consumer: 'agent', door: 'llm', summary: 's', rule: 'r', fingerprint: 'f', approvers: [], created: now, expires: now + 600_000, grantTtlMs: 60_000 });
  const N = 300;
  for (let i = 0; i < N; i++) {
    const path = i % 2 ? `/admin/approvals/${a.id}/approve` : `/admin/approvals/apr_${'x'.repeat(2000)}${i}/deny`;
    const r = await call(w, 'POST', path, {}, i % 3 ? { authorization: 'Bearer wadm_wrong_0123456789abcdefghijkl' } : {});
    assert.equal(r.status, 401);
  }
  assert.deepEqual(await w.warden.gateway.approvals.events(a.id), [], 'no anonymous row in the trail');
  assert.equal((await call(w, 'GET', '/admin/consumers', undefined, { authorization: `Bearer ${KEYS.viewer}` })).status, 200);
  assert.equal((await call(w, 'POST', `/admin/approvals/${a.id}/approve`, {}, { authorization: `Bearer ${KEYS.viewer}` })).code, 'WARDEN_E_ADMIN_FORBIDDEN');
  await new Promise((r) => setTimeout(r, 200));
  const recs = readAuditRecords(w.auditDir).filter((r) => r.door === 'admin');
  const anonymous = recs.filter((r) => r.consumer === 'unauthenticated');
  assert.ok(anonymous.length >= 100 && anonymous.length < N, `${anonymous.length} anonymous records of ${N} attempts`);
  for (const r of anonymous) assert.ok((r.route ?? '').length <= 260, 'the path is cut short');
  assert.ok(recs.some((r) => r.consumer === 'vic' && r.route === '/admin/consumers'), 'a named call over the budget is audited');
  assert.equal((await w.warden.gateway.approvals.events(a.id)).at(-1)?.actor, 'vic', 'a named refusal is in the trail');
  const metrics = await (await fetch(`${w.adminUrl}/metrics`)).text();
  const skipped = Number(/^warden_admin_unaudited_refusals_total (\d+)$/m.exec(metrics)?.[1]);
  assert.equal(skipped + anonymous.length, N, 'every anonymous attempt is either audited or counted');
});
