import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runClaude } from './support/claude.js';
import { startUpstream, textReply, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

describe('the real Claude Code binary through Warden', () => {
  let upstream: Upstream;
  let w: TestWarden;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }] });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  test('ANTHROPIC_BASE_URL=<warden> ANTHROPIC_AUTH_TOKEN=<virtual key> claude -p answers', async () => {
    upstream.reset();
    upstream.script(() => textReply('Warden relayed this answer.'));
    const { key } = w.key('dev-laptop');
    const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'say hello' });
    assert.equal(run.timedOut, false, run.stderr);
    assert.match(run.stdout, /Warden relayed this answer\./);
    assert.equal(run.code, 0, run.stderr);
    const seen = upstream.messageRequests();
    assert.ok(seen.length >= 1);
    for (const r of seen) {
      assert.equal(r.headers['x-api-key'], 'sk-ant-api03-real-provider-key-held-by-warden');
      assert.equal(r.headers['authorization'], undefined);
      assert.ok(String(r.headers['anthropic-beta'] ?? '').length > 0, 'anthropic-beta forwarded');
      assert.equal(r.query.get('beta'), 'true');
    }
    const recs = readAuditRecords(w.auditDir).filter((r) => r.consumer === 'dev-laptop' && r.route === '/v1/messages');
    assert.ok(recs.length >= 1);
    assert.ok(recs.every((r) => r.status === 200 && r.session_id), 'Claude Code session id recorded');
  });

  test('a revoked key is refused at once with a readable message', async () => {
    upstream.reset();
    const { key, id } = w.key('revoked-dev');
    w.warden.gateway.store.revokeKey(id, Date.now());
    const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'say hello', timeoutMs: 40_000 });
    assert.equal(run.timedOut, false, 'Claude Code kept retrying instead of showing the error');
    const shown = run.stdout + run.stderr;
    assert.match(shown, /401/);
    assert.match(shown, /revoked/);
    assert.notEqual(run.code, 0);
    assert.equal(upstream.messageRequests().length, 0, 'nothing reached the provider');
  });

  test('a model outside the key scope is refused at once with a readable message', async () => {
    upstream.reset();
    const { key } = w.key('haiku-only', { models: ['claude-haiku-*'] });
    const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'say hello', model: 'claude-opus-4-5', timeoutMs: 40_000 });
    assert.equal(run.timedOut, false);
    const shown = run.stdout + run.stderr;
    assert.match(shown, /403/);
    assert.match(shown, /claude-opus-4-5/);
    assert.match(shown, /claude-haiku-\*/);
    assert.equal(upstream.messageRequests().length, 0);
  });
});
