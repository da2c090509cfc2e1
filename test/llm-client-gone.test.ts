import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { startUpstream, toolUseReply, sequence, type Upstream } from './support/upstream.js';
import { startOpaServer, type OpaServer } from './support/opa-server.js';
import { GUARDS_OFF, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

/** Sends a Messages request and destroys the socket once `abortAfterMs` passed, before any answer. */
function sendAndVanish(url: string, key: string, abortAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] });
    const req = http.request(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => resolve());
    req.on('response', (res) => { res.resume(); resolve(); });
    req.end(body);
    setTimeout(() => { req.destroy(); resolve(); }, abortAfterMs);
  });
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

describe('a client that leaves while an earlier stage awaits (OPA here; a yielding guard scan, an approval or Redis alike)', () => {
  let upstream: Upstream;
  let opa: OpaServer;
  let w: TestWarden;
  before(async () => {
    upstream = await startUpstream();
    opa = await startOpaServer(() => ({ allow: true }));
    // OPA answers after the client has gone: the request is past identify and parse, inside authorize.
    opa.setRaw(() => ({ status: 200, body: JSON.stringify({ result: { allow: true } }), delayMs: 600 }));
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: GUARDS_OFF,
      policy: { opa: { host: opa.url, policy: 'warden/allow', timeout_ms: 5000 } },
    });
  });
  after(async () => {
    await w.close();
    await opa.close();
    await upstream.close();
  });

  test('the upstream is never contacted and the exchange is audited as client-aborted (499)', async () => {
    const { key } = w.key('dev');
    await sendAndVanish(w.url, key, 100);
    const audited = await until(() => readAuditRecords(w.auditDir).some((r) => r.status === 499), 5000);
    assert.ok(audited, `no 499 record; records: ${JSON.stringify(readAuditRecords(w.auditDir).map((r) => r.status))}`);
    // Long enough for a forward that wrongly went ahead to reach the upstream.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(upstream.messageRequests().length, 0, 'the upstream got a request nobody was waiting for');
    assert.equal(readAuditRecords(w.auditDir).length, 1, 'exactly one record');
  });
});

describe('tool calls are judged by the policy even with the tool-use guard off', () => {
  let upstream: Upstream;
  let w: TestWarden;
  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: GUARDS_OFF,
      policy: { permissions: { deny: ['Bash(rm *)'] } },
    });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  const rows: Array<[command: string, allowed: boolean]> = [
    ['rm -rf /', false],
    ['ls && rm -rf build', false],
    ['ls -la', true],
  ];
  for (const [command, allowed] of rows) {
    test(`${command}: ${allowed ? 'reaches the agent' : 'refused by policy.permissions'}`, async () => {
      upstream.script(sequence([toolUseReply({ name: 'Bash', input: { command } })]));
      const client = new Anthropic({ baseURL: w.url, apiKey: w.key('dev').key, maxRetries: 0 });
      const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }], messages: [{ role: 'user', content: 'go' }] });
      const calls = msg.content.filter((b) => b.type === 'tool_use');
      assert.equal(calls.length, allowed ? 1 : 0, JSON.stringify(msg.content));
      if (!allowed) assert.equal(msg.stop_reason, 'end_turn');
    });
  }
});
