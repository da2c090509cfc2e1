import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { activeGrant, openSqliteGrants } from '../src/doors/postgres/grants/index.js';
import { startTestWarden } from './support/warden.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { root: 'wadm_grants_root_0123456789abcdefghij', viewer: 'wadm_grants_viewer_0123456789abcdefgh' };

test('admin API /admin/grants: create, list, read, revoke; a viewer may list but not create; bad input names the field', async (t) => {
  const w = await startTestWarden({ admin: { keys: [{ name: 'root', key_sha256: sha(KEYS.root), role: 'admin' }, { name: 'vic', key_sha256: sha(KEYS.viewer), role: 'viewer' }] } });
  t.after(() => w.close());
  // The door's view: the same store file, as another process (the CLI) or the door sees it.
  const grants = openSqliteGrants(join(w.dir, 'warden.db'));
  t.after(() => grants.close());
  const admin = (path: string, init: RequestInit = {}, key = KEYS.root) =>
    fetch(`${w.adminUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });

  const created = await admin('/admin/grants', { method: 'POST', body: JSON.stringify({ consumer: 'alice', role: 'writer', for: '30m', database: 'app', note: 'migration' }) });
  assert.equal(created.status, 201);
  const g = (await created.json()) as { id: string; role: string; active: boolean; created_by: string; expires_at: string; database: string };
  assert.match(g.id, /^grt_/);
  assert.deepEqual([g.role, g.active, g.created_by, g.database], ['writer', true, 'root', 'app']);
  assert.ok(Math.abs(Date.parse(g.expires_at) - Date.now() - 30 * 60_000) < 5000);
  assert.equal((await activeGrant(grants, 'alice', Date.now(), 'app'))?.id, g.id, 'the door sees it');

  const list = (await (await admin('/admin/grants', {}, KEYS.viewer)).json()) as { grants: { id: string }[] };
  assert.deepEqual(list.grants.map((x) => x.id), [g.id]);
  const forbidden = await admin('/admin/grants', { method: 'POST', body: JSON.stringify({ consumer: 'bob', role: 'dba', for: '1h' }) }, KEYS.viewer);
  assert.equal(forbidden.status, 403);
  assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'WARDEN_E_ADMIN_FORBIDDEN');

  for (const [body, field] of [
    [{ consumer: 'bob', role: 'superuser', for: '1h' }, /role "superuser" is not a PostgreSQL role of Warden \(reader, writer, dba\)/],
    [{ consumer: 'bob', role: 'reader', for: 'soon' }, /for: expected a duration/],
    [{ consumer: 'bob', role: 'reader', for: '30d' }, /between 1 ms and 7d/],
    [{ role: 'reader', for: '1h' }, /consumer: must be a string/],
  ] as const) {
    const r = await admin('/admin/grants', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(((await r.json()) as { error: { message: string } }).error.message, field);
  }

  assert.equal(((await (await admin(`/admin/grants/${g.id}`)).json()) as { id: string }).id, g.id);
  const revoked = await admin(`/admin/grants/${g.id}/revoke`, { method: 'POST' });
  assert.equal(revoked.status, 200);
  assert.deepEqual(((await revoked.json()) as { active: boolean; revoked_by: string }), { ...((await (await admin(`/admin/grants/${g.id}`)).json()) as object), active: false, revoked_by: 'root' });
  assert.equal(await activeGrant(grants, 'alice', Date.now()), undefined);
  assert.equal((await admin(`/admin/grants/${g.id}`, { method: 'DELETE' })).status, 404, 'already revoked');
  assert.equal(((await (await admin('/admin/grants')).json()) as { grants: unknown[] }).grants.length, 0);
  assert.equal(((await (await admin('/admin/grants?all=true')).json()) as { grants: unknown[] }).grants.length, 1);
});
