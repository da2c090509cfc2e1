import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from './http-door-support.js';
import { startTestWarden, type TestWarden } from './support/warden.js';

const ADMIN_KEY = 'wadm_test_admin_key_routes_policies_0123456789';
const adminCfg = { key_sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') };

type Json = Record<string, any>;

function client(w: TestWarden) {
  const admin = async (path: string, method = 'GET', body?: unknown, key: string | null = ADMIN_KEY): Promise<{ status: number; json: Json }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const r = await fetch(`${w.adminUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Json };
  };
  const call = async (path: string, key: string, method = 'GET'): Promise<{ status: number; json: Json }> => {
    const r = await fetch(`${w.url}${path}`, { method, headers: { apikey: key } });
    const text = await r.text();
    return { status: r.status, json: text ? (JSON.parse(text) as Json) : {} };
  };
  return { admin, call };
}

const denyDeletes = (when = 'consumer.labels.level == "staging" && request.method == "DELETE"') => ({
  rules: [{ id: 'no-writes', when, reason: 'staging agents may not change the database' }],
  attach: { routes: ['db'] },
});

test('admin API: a route and a policy created, changed and deleted apply at once and survive a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-overlay-'));
  const backend = await startBackend('db-node');
  let w = await startTestWarden({ admin: adminCfg, consumers: [{ name: 'stg-agent', labels: { level: 'staging' } }] }, { dir });
  t.after(async () => {
    await w.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let { admin, call } = client(w);
  const key = w.key('stg-agent').key;

  assert.equal((await call('/api/db/rows', key)).status, 404, 'no route yet');
  assert.equal((await admin('/admin/routes', 'GET', undefined, null)).status, 401, 'admin key missing');
  assert.equal((await admin('/admin/policies', 'POST', { name: 'x' }, 'wrong-key')).status, 401, 'wrong admin key');

  const route = { id: 'db', uri: '/api/*', upstream: { nodes: { [`127.0.0.1:${backend.port}`]: 1 } } };
  const created = await admin('/admin/routes', 'POST', route);
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.equal(created.json.source, 'overlay');
  assert.equal(created.json.hide_credentials, true, 'the answer shows the route with its defaults');
  const through = await call('/api/db/rows', key);
  assert.equal(through.status, 200, 'the new route serves without a restart');
  assert.equal(through.json.node, 'db-node');
  assert.equal(backend.seen.at(-1)!.headers['x-consumer-username'], 'stg-agent');
  assert.equal((await admin('/admin/routes', 'POST', route)).status, 409, 'POST of an existing id is a conflict');

  const policy = await admin('/admin/policies', 'POST', { name: 'staging-readonly', ...denyDeletes() });
  assert.equal(policy.status, 201, JSON.stringify(policy.json));
  assert.deepEqual(policy.json.attached.routes, ['db']);
  const denied = await call('/api/db/rows/7', key, 'DELETE');
  assert.equal(denied.status, 403);
  assert.equal(denied.json.message, 'staging agents may not change the database');
  assert.equal((await call('/api/db/rows', key)).status, 200, 'reads still pass');

  const explained = await admin('/admin/policy/explain', 'POST', { consumer: 'stg-agent', method: 'DELETE', path: '/api/db/rows/7' });
  assert.equal(explained.status, 200, JSON.stringify(explained.json));
  assert.equal(explained.json.decision.outcome, 'deny');
  assert.equal(explained.json.decision.rule, 'rule:staging-readonly.no-writes');
  assert.equal(explained.json.document.route.id, 'db', 'the route is found from the path');
  assert.ok(explained.json.policies.some((p: Json) => p.policy === 'staging-readonly' && p.scope === 'route'));
  const explainBad = await admin('/admin/policy/explain', 'POST', { consumer: 'nobody' });
  assert.equal(explainBad.status, 400);

  // Update: the rule now refuses reads instead.
  const updated = await admin('/admin/policies/staging-readonly', 'PUT', denyDeletes('consumer.labels.level == "staging" && request.method == "GET"'));
  assert.equal(updated.status, 200);
  assert.equal((await call('/api/db/rows', key)).status, 403);
  assert.equal((await call('/api/db/rows/7', key, 'DELETE')).status, 200);

  // A bad CEL rule: 400 naming the path; nothing changed, in the gateway or the store.
  const bad = await admin('/admin/policies/staging-readonly', 'PUT', denyDeletes('request.method =='));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'WARDEN_E_ADMIN_BAD_INPUT');
  assert.ok(bad.json.error.problems.some((p: string) => p.startsWith('policy.policies.staging-readonly.rules[0].when: CEL')), JSON.stringify(bad.json));
  assert.equal((await call('/api/db/rows', key)).status, 403, 'the previous policy still applies');
  assert.match((await admin('/admin/policies/staging-readonly')).json.rules[0].when, /"GET"$/);
  const badRoute = await admin('/admin/routes', 'POST', { ...route, id: 'other', uri: '/other/*', policies: ['no-such-policy'] });
  assert.equal(badRoute.status, 400);
  assert.match(badRoute.json.error.message, /routes\[1\] \(route "other"\)\.policies\[0\]: no policy named "no-such-policy"/);
  const badSchema = await admin('/admin/routes/other', 'PUT', { uri: 'no-slash', upstream: route.upstream });
  assert.equal(badSchema.status, 400);
  assert.match(badSchema.json.error.message, /routes\["other"\]\.uri/);
  assert.equal((await admin('/admin/routes/other')).status, 404, 'a refused route was not stored');
  assert.equal((await admin('/admin/routes/db', 'PUT', { ...route, id: 'not-db' })).status, 400, 'the id in the body must match the path');

  // Restart on the same store: the overlay is still applied.
  await w.close();
  w = await startTestWarden({ admin: adminCfg, consumers: [{ name: 'stg-agent', labels: { level: 'staging' } }] }, { dir });
  ({ admin, call } = client(w));
  assert.equal((await call('/api/db/rows', key)).status, 403, 'route and policy came back from the store');
  const listed = await admin('/admin/routes');
  assert.deepEqual(listed.json.routes.map((r: Json) => [r.id, r.source]), [['db', 'overlay']]);

  // A route a policy is still attached to cannot go: the attachment would name nothing.
  const dangling = await admin('/admin/routes/db', 'DELETE');
  assert.equal(dangling.status, 409, JSON.stringify(dangling.json));
  assert.match(JSON.stringify(dangling.json), /policy\.attach\.routes\.db: no route or provider named \\"db\\"/);
  assert.equal((await call('/api/db/rows', key)).status, 403, 'the refused delete changed nothing');

  // Delete the policy: back to the previous behaviour; then the route.
  const delPolicy = await admin('/admin/policies/staging-readonly', 'DELETE');
  assert.equal(delPolicy.status, 200);
  assert.equal((await call('/api/db/rows', key)).status, 200);
  assert.equal((await admin('/admin/policies/staging-readonly', 'DELETE')).status, 404);
  assert.equal((await admin('/admin/routes/db', 'DELETE')).status, 200);
  assert.equal((await call('/api/db/rows', key)).status, 404);
});

test('admin API over file entries: PUT overrides, DELETE restores the file entry, a file entry or a referenced policy cannot be deleted', async (t) => {
  const one = await startBackend('one');
  const two = await startBackend('two');
  const w = await startTestWarden({
    admin: adminCfg,
    routes: [{ id: 'files', uri: '/files/*', upstream: { nodes: { [`127.0.0.1:${one.port}`]: 1 } } }],
    policy: { policies: { 'file-policy': { rules: [{ id: 'no-put', when: 'request.method == "PUT"', reason: 'read-only' }] } }, attach: { routes: { files: ['file-policy'] } } },
  });
  t.after(async () => {
    await w.close();
    await Promise.all([one.close(), two.close()]);
  });
  const { admin, call } = client(w);
  const key = w.key('dev').key;

  const list = await admin('/admin/policies');
  assert.deepEqual(list.json.policies.map((p: Json) => [p.name, p.source, p.attached.routes]), [['file-policy', 'file', ['files']]]);
  assert.equal((await call('/files/a', key)).json.node, 'one');
  assert.equal((await admin('/admin/routes/files', 'DELETE')).status, 409, 'a file route cannot be deleted here');
  assert.equal((await admin('/admin/policies/file-policy', 'DELETE')).status, 409);

  const override = await admin('/admin/routes/files', 'PUT', { uri: '/files/*', upstream: { nodes: { [`127.0.0.1:${two.port}`]: 1 } } });
  assert.equal(override.status, 200);
  assert.equal(override.json.shadows_file, true);
  assert.equal((await call('/files/a', key)).json.node, 'two');
  assert.equal((await call('/files/a', key, 'PUT')).status, 403, "the file's attachment still applies to the replaced route");

  const restored = await admin('/admin/routes/files', 'DELETE');
  assert.equal(restored.status, 200);
  assert.equal(restored.json.restored.source, 'file');
  assert.equal((await call('/files/a', key)).json.node, 'one');

  // Overriding a file policy: the file's attachments stay.
  assert.equal((await admin('/admin/policies/file-policy', 'PUT', { rules: [] })).status, 200);
  assert.equal((await call('/files/a', key, 'PUT')).status, 200);
  assert.equal((await admin('/admin/policies/file-policy', 'DELETE')).status, 200);
  assert.equal((await call('/files/a', key, 'PUT')).status, 403, "the file's policy is back");

  // A policy an overlay route still names cannot go.
  assert.equal((await admin('/admin/policies', 'POST', { name: 'quiet', rules: [{ id: 'q', when: 'request.method == "DELETE"' }] })).status, 201);
  assert.equal((await admin('/admin/routes', 'POST', { id: 'q', uri: '/q', upstream: { nodes: { [`127.0.0.1:${one.port}`]: 1 } }, policies: ['quiet'] })).status, 201);
  const stillUsed = await admin('/admin/policies/quiet', 'DELETE');
  assert.equal(stillUsed.status, 409);
  assert.match(stillUsed.json.error.message, /route "q"\)\.policies\[0\]: no policy named "quiet"/);
  assert.equal((await call('/q', key, 'DELETE')).status, 403, 'the refused delete changed nothing');
  assert.equal((await admin('/admin/policies', 'POST', { name: 'global', rules: [] })).status, 400, '"global" is the top-level policy');
});
