import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestWarden } from './support/warden.js';

const ADMIN_KEY = 'wadm_test_admin_key_0123456789abcdefghij';

test('admin API: admin key only, keys and consumers managed live, metrics exposed', async (t) => {
  const w = await startTestWarden({ admin: { key_sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') } });
  t.after(() => w.close());
  const admin = (path: string, init: RequestInit = {}, key = ADMIN_KEY) =>
    fetch(`${w.adminUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });

  const virtual = w.key('someone').key;
  const refused = await admin('/admin/keys', {}, virtual);
  assert.equal(refused.status, 401, 'a virtual key is never accepted on the admin API');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'WARDEN_E_ADMIN_UNAUTHORIZED');
  const doorAdmin = await fetch(`${w.url}/admin/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(doorAdmin.status, 404, 'the admin API is not on the door listener');

  const put = await admin('/admin/consumers/team-bot', { method: 'PUT', body: JSON.stringify({ groups: ['ci'], labels: { level: 'staging' }, models: ['claude-haiku-*'] }) });
  assert.equal(put.status, 200);
  const badPut = await admin('/admin/consumers/team-bot', { method: 'PUT', body: JSON.stringify({ labels: { level: 3 } }) });
  assert.equal(badPut.status, 400);
  assert.match(((await badPut.json()) as { error: { message: string } }).error.message, /labels/);

  const created = await admin('/admin/keys', { method: 'POST', body: JSON.stringify({ consumer: 'team-bot', name: 'ci' }) });
  assert.equal(created.status, 201);
  const { key, id } = (await created.json()) as { key: string; id: string };
  const ok = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' });
  assert.equal(ok.status, 200);
  const scoped = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"model":"claude-opus-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' });
  assert.equal(scoped.status, 403, 'consumer scope from the store applies');

  const listed = (await (await admin('/admin/keys?consumer=team-bot')).json()) as { keys: Array<{ id: string }> };
  assert.deepEqual(listed.keys.map((k) => k.id), [id]);
  assert.ok(!JSON.stringify(listed).includes(key));
  assert.equal((await admin(`/admin/keys/${id}/revoke`, { method: 'POST' })).status, 200);
  const after = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[]}' });
  assert.equal(after.status, 401);

  const metrics = await (await fetch(`${w.adminUrl}/metrics`)).text();
  assert.match(metrics, /warden_requests_total\{door="llm",consumer="team-bot",model="claude-haiku-4-5",status="200",decision="allow"\} 1/);
  assert.match(metrics, /warden_request_duration_seconds_bucket/);
  assert.match(metrics, /warden_tokens_total\{door="llm",consumer="team-bot",model="claude-haiku-4-5",direction="input"\}/);
  assert.ok(!metrics.includes(key));
});
