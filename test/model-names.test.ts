/**
 * A client-chosen model name, through a real Warden: names that are not model names are
 * refused before they reach the audit, metrics or the provider, and distinct names —
 * refused, denied, unrouted — cannot grow /metrics without bound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startUpstream, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';
import { auditRecordFor } from './support/audit-records.js';
import { MAX_MODEL_LABELS } from '../src/telemetry/label-values.js';

const BAD: Array<[string, string, RegExp]> = [
  ['Anthropic key', 'sk-ant-api03-' + 'Zq8Xw2Rt5Yp1Lm4Nb7Vc0Kd3Hf6Js9Ga'.repeat(3) + 'AA', /token or hash|credential/],
  ['AWS access key id', 'AKIAZ7VRSQ3HKPL2MXTY', /credential/],
  ['GitHub token', 'ghp_R8mK2xQ7vN4pL1wZ9sT6yH3cB5dF0gJ2aE7u', /token or hash|credential/],
  ['too long', 'claude-' + 'sonnet-'.repeat(30), /at most 128 characters/],
  ['control character', 'claude-haiku-4-5\u0007', /only letters, digits/],
  ['newline', 'claude-haiku-4-5\r\nx-injected: 1', /only letters, digits/],
  ['unicode', 'claude-haiku-4-5-ünïcode', /only letters, digits/],
  ['space', 'claude haiku', /only letters, digits/],
];

const post = (w: TestWarden, key: string, path: string, model: string) =>
  fetch(`${w.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });

function auditText(w: TestWarden): string {
  return readdirSync(w.auditDir).map((f) => readFileSync(join(w.auditDir, f), 'utf8')).join('');
}

describe('model names', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;
  let scoped: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }] });
    key = w.key('dev').key;
    scoped = w.key('scoped', { models: ['claude-haiku-*'] }).key;
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    for (const [name, model, message] of BAD) {
      test(`${path}: ${name} → 400 WARDEN_E_MODEL_INVALID, never in audit, metrics or upstream`, async () => {
        const before = upstream.requests.length;
        const res = await post(w, key, path, model);
        const body = (await res.json()) as { error: { type: string; message: string } };
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('x-warden-error-code'), 'WARDEN_E_MODEL_INVALID');
        assert.equal(body.error.type, 'invalid_request_error');
        assert.match(body.error.message, message);
        assert.ok(!body.error.message.includes(model.trim()), 'the error does not echo the name');
        assert.equal(upstream.requests.length, before);
        const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
        assert.equal(rec.model, null);
        assert.equal(rec.error_code, 'WARDEN_E_MODEL_INVALID');
        const core = model.trim().slice(0, 20);
        assert.ok(!auditText(w).includes(core), 'not in the audit files');
        assert.ok(!(await (await fetch(`${w.adminUrl}/metrics`)).text()).includes(core), 'not in /metrics');
      });
    }
  }

  test('a served model keeps its label; 600 distinct bad, denied and unrouted names leave /metrics bounded', async () => {
    assert.equal((await post(w, key, '/v1/messages', 'claude-haiku-4-5')).status, 200);
    const metrics = async () => (await fetch(`${w.adminUrl}/metrics`)).text();
    const burst = async (round: number) => {
      for (let i = 0; i < 100; i++) {
        const tag = `${round}x${i}`;
        assert.equal((await post(w, key, '/v1/messages', `claude haiku ${tag}`)).status, 400);
        assert.equal((await post(w, scoped, '/v1/messages', `claude-opus-${tag}`)).status, 403);
        assert.equal((await post(w, key, '/v1/messages', `gpt-${tag}`)).status, 404);
      }
    };
    await burst(1);
    const first = await metrics();
    await burst(2);
    const second = await metrics();
    assert.ok(second.length - first.length < 1024, `grew by ${second.length - first.length} bytes after 300 more names`);
    const labels = new Set([...second.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    assert.deepEqual([...labels].sort(), ['', 'claude-haiku-4-5', 'other']);
    assert.match(second, /warden_requests_total\{door="llm",consumer="dev",model="claude-haiku-4-5",status="200",decision="allow"\} 1/);
    assert.match(second, /warden_requests_total\{door="llm",consumer="scoped",model="other",status="403",decision="deny"\} 200/);
    assert.ok(second.length < 64 * 1024, `/metrics is ${second.length} bytes`);
  });
});

test('served names under a catch-all route are capped at MAX_MODEL_LABELS distinct label values', async (t) => {
  const w = await startTestWarden();
  t.after(() => w.close());
  const key = w.key('dev').key;
  for (let i = 0; i < MAX_MODEL_LABELS + 50; i++) assert.equal((await post(w, key, '/v1/messages', `made-up-${i}`)).status, 200);
  const text = await (await fetch(`${w.adminUrl}/metrics`)).text();
  const labels = new Set([...text.matchAll(/warden_requests_total\{[^}]*model="([^"]*)"/g)].map((m) => m[1]));
  assert.equal(labels.size, MAX_MODEL_LABELS + 1);
  assert.ok(labels.has('made-up-0') && labels.has(`made-up-${MAX_MODEL_LABELS - 1}`) && !labels.has(`made-up-${MAX_MODEL_LABELS}`));
  assert.match(text, /warden_requests_total\{door="llm",consumer="dev",model="other",status="200",decision="allow"\} 50/);
});
