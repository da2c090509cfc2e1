import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import http from 'node:http';
import { startUpstream, textReply, collectSse, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';
import { auditRecordFor, readAuditRecords } from './support/audit-records.js';

const MSG = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });

/** Sends raw bytes on a fresh socket and resolves with everything the server answered. */
function rawExchange(url: string, bytes: string | Buffer[], gapMs = 0): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname);
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy());
    if (typeof bytes === 'string') s.write(bytes);
    else {
      let i = 0;
      const next = () => {
        if (i >= bytes.length || s.destroyed) return;
        s.write(bytes[i++]!);
        setTimeout(next, gapMs);
      };
      next();
    }
  });
}

describe('LLM door under bad input', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers }, body });

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      server: { body_limit_bytes: 4096, body_timeout_ms: 400 },
      providers: anthropicUpstreamConfig(upstream.url, { timeout_ms: 600 }),
      models: [{ match: 'claude-*', provider: 'anthropic' }],
    });
    key = w.key('mallory').key;
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  async function expectError(res: Response, status: number, type: string, message: RegExp) {
    assert.equal(res.status, status);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, type);
    assert.match(body.error.message, message);
    const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
    assert.equal(rec.status, status);
    assert.ok(rec.error_code);
    return rec;
  }

  test('malformed JSON → 400 invalid_request_error', async () => {
    await expectError(await post('{"model": "claude-haiku-4-5", '), 400, 'invalid_request_error', /not valid JSON/);
  });
  test('missing model → 400 naming the field', async () => {
    await expectError(await post('{"max_tokens":5,"messages":[]}'), 400, 'invalid_request_error', /model: field required/);
  });
  test('wrong content type → 400', async () => {
    await expectError(await post(MSG(), { 'content-type': 'text/plain' }), 400, 'invalid_request_error', /content-type must be application\/json/);
  });
  test('oversized body → 413 request_too_large', async () => {
    await expectError(await post(MSG({ pad: 'x'.repeat(10_000) })), 413, 'request_too_large', /exceeds the limit of 4096 bytes/);
  });
  test('oversized body sent chunked (no content-length) → 413', async () => {
    const big = Buffer.from(MSG({ pad: 'x'.repeat(10_000) }));
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(w.url);
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': key, 'transfer-encoding': 'chunked' } }, (r) => {
        let b = '';
        r.on('data', (d) => (b += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 1000) req.write(big.subarray(i, i + 1000));
      req.end();
    });
    assert.equal(res.status, 413);
    assert.match(res.body, /request_too_large/);
  });
  test('header injection (CR/LF and control characters) → 400 in Anthropic shape, audited', async () => {
    const before = readAuditRecords(w.auditDir).length;
    const out = await rawExchange(w.url, `POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\nx-evil: a\rInjected: yes\r\ncontent-length: 2\r\n\r\n{}`);
    assert.match(out, /^HTTP\/1\.1 400/);
    assert.match(out, /"type":"invalid_request_error"/);
    assert.match(out, /WARDEN_E_HEADER_INVALID/);
    assert.equal(readAuditRecords(w.auditDir).length, before + 1);
  });
  test('request smuggling shape (content-length and transfer-encoding) is refused', async () => {
    const out = await rawExchange(w.url, `POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`);
    assert.match(out, /^HTTP\/1\.1 400/);
  });
  test('several different credentials → 400', async () => {
    const other = w.key('mallory2').key;
    await expectError(await post(MSG(), { authorization: `Bearer ${other}` }), 400, 'invalid_request_error', /several different credentials/);
  });
  test('a client that trickles its body is cut off with 408', async () => {
    const body = MSG();
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nx-api-key: ${key}\r\ncontent-length: ${body.length}\r\n\r\n`;
    const parts = [Buffer.from(head), ...[...body.slice(0, 20)].map((c) => Buffer.from(c))];
    const out = await rawExchange(w.url, parts, 100);
    assert.match(out, /^HTTP\/1\.1 408/);
    assert.match(out, /WARDEN_E_CLIENT_TIMEOUT/);
  });
  test('client disconnecting mid-stream aborts the upstream request and is audited', async () => {
    upstream.reset();
    upstream.script(() => textReply('a long answer '.repeat(50), { delayMs: 30 }));
    const res = await post(MSG({ stream: true }), {});
    const reader = res.body!.getReader();
    await reader.read();
    const id = res.headers.get('x-warden-request-id')!;
    await reader.cancel();
    const rec = await auditRecordFor(w.auditDir, id);
    assert.equal(rec.client_aborted, true);
    // The upstream saw its response cut before completion.
    await new Promise((r) => setTimeout(r, 200));
    const seen = upstream.messageRequests().at(-1)!;
    assert.equal(seen.response?.complete, false);
  });
  test('an upstream that stalls mid-stream ends the stream with an SSE error event', async () => {
    upstream.reset();
    upstream.script(() => textReply('partial answer that stalls', { stallAfterEvents: 3 }));
    const res = await post(MSG({ stream: true }));
    assert.equal(res.status, 200);
    const events = collectSse(await res.text());
    const last = events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal(last.data.error.type, 'timeout_error');
    const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
    assert.equal(rec.error_code, 'WARDEN_E_UPSTREAM_TIMEOUT');
  });
  test('an upstream that resets mid-stream ends the stream with an SSE error event', async () => {
    upstream.reset();
    upstream.script(() => textReply('partial answer then reset', { destroyAfterEvents: 3 }));
    const res = await post(MSG({ stream: true }));
    const events = collectSse(await res.text());
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal(events.at(-1)!.data.error.type, 'api_error');
    const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
    assert.equal(rec.error_code, 'WARDEN_E_UPSTREAM_BROKEN');
  });
  test('an upstream that answers nothing → 504 timeout_error', async () => {
    upstream.reset();
    upstream.script(() => textReply('slow', { delayMs: 2000 }));
    await expectError(await post(MSG()), 504, 'timeout_error', /did not answer in time/);
  });
  test('an unreachable upstream → 502 api_error', async () => {
    const dead = await startTestWarden({ providers: anthropicUpstreamConfig('http://127.0.0.1:9'), models: [{ match: '*', provider: 'anthropic' }] });
    try {
      const k = dead.key('x').key;
      const res = await fetch(`${dead.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': k }, body: MSG() });
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'api_error');
    } finally {
      await dead.close();
    }
  });
  test('unknown paths and wrong methods get Anthropic-shaped errors', async () => {
    const r1 = await fetch(`${w.url}/v2/whatever`, { headers: { 'x-api-key': key } });
    assert.equal(r1.status, 404);
    assert.equal(((await r1.json()) as { error: { type: string } }).error.type, 'not_found_error');
    const r2 = await fetch(`${w.url}/v1/messages`, { headers: { 'x-api-key': key } });
    assert.equal(r2.status, 405);
  });
  test('after all of that the process is healthy and still serves', async () => {
    const h = await fetch(`${w.url}/healthz`);
    assert.equal(h.status, 200);
    upstream.reset();
    const res = await post(MSG());
    assert.equal(res.status, 200);
  });
});
