/**
 * The http door under hostile uploads: clients that abort mid-body while others wait for an
 * upstream connection, and clients that trickle or go silent, against a route with two
 * upstream connections. The process must live, answer slow clients 408, and keep serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startBackend, type Backend } from './http-door-support.js';

const BODY_TIMEOUT_MS = 1500;

interface Upload {
  path: string;
  /** Declared Content-Length, or chunked when undefined. */
  length?: number;
  /** Body bytes sent at once after the headers. */
  first?: string;
  /** Then one byte every `gapMs` (trickle) until the server answers; none when undefined (silent). */
  gapMs?: number;
  /** Destroy the socket this long after connecting (aborted upload). */
  abortAfterMs?: number;
}

interface Outcome {
  status: number;
  code?: string;
  /** Order in which answers arrived, across every upload of the test. */
  seq: number;
}

let answered = 0;

/** One upload on its own socket; resolves when the socket closes (never rejects). */
function upload(url: string, key: string, u: Upload): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    const framing = u.length === undefined ? 'transfer-encoding: chunked\r\n' : `content-length: ${u.length}\r\n`;
    s.on('connect', () => {
      s.write(`POST ${u.path} HTTP/1.1\r\nhost: localhost\r\napikey: ${key}\r\ncontent-type: text/plain\r\n${framing}\r\n${u.first ?? ''}`);
      if (u.gapMs !== undefined) timer = setInterval(() => s.writable && s.write(u.length === undefined ? '1\r\nx\r\n' : 'x'), u.gapMs);
      if (u.abortAfterMs !== undefined) setTimeout(() => s.destroy(), u.abortAfterMs);
    });
    s.setEncoding('utf8');
    s.on('data', (d) => (data += d));
    s.on('error', () => undefined);
    // Bounds the test: no upload lives longer than this, answered or not.
    const cap = setTimeout(() => s.destroy(), 10_000);
    s.on('close', () => {
      clearTimeout(cap);
      clearInterval(timer);
      const status = Number(data.slice(9, 12)) || 0;
      const code = /"code":"([A-Z_]+)"/.exec(data)?.[1];
      resolve({ status, code, seq: status ? ++answered : Infinity });
    });
  });
}

describe('http door: hostile uploads against a small upstream pool', () => {
  let backend: Backend;
  let w: TestWarden;
  let key: string;

  before(async () => {
    backend = await startBackend('small-pool');
    w = await startTestWarden({
      server: { body_timeout_ms: BODY_TIMEOUT_MS },
      routes: [{ id: 'up', uri: '/up/*', upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 }, connections: 2 } }],
    });
    key = w.key('uploader').key;
  });
  after(async () => {
    await w.close();
    await backend.close();
  });

  test('many aborted, trickling and silent uploads: the process lives, slow clients get 408, normal requests are served meanwhile', async () => {
    const hostile: Promise<Outcome>[] = [];
    const trickling: Promise<Outcome>[] = [];
    for (let i = 0; i < 40; i++) hostile.push(upload(w.url, key, { path: `/up/abort-${i}`, length: 100_000, first: 'x'.repeat(1000), abortAfterMs: 50 + (i % 10) * 30 }));
    for (let i = 0; i < 10; i++) hostile.push(upload(w.url, key, { path: `/up/abort-chunked-${i}`, first: '5\r\nhello\r\n', abortAfterMs: 100 + i * 20 }));
    for (let i = 0; i < 30; i++) trickling.push(upload(w.url, key, { path: `/up/trickle-${i}`, length: 10_000, first: 'x', gapMs: 100 }));
    for (let i = 0; i < 10; i++) trickling.push(upload(w.url, key, { path: `/up/trickle-chunked-${i}`, gapMs: 100 }));
    for (let i = 0; i < 10; i++) trickling.push(upload(w.url, key, { path: `/up/silent-${i}`, length: 500 }));

    // Let the aborts happen while the slow uploads are in progress.
    await new Promise((r) => setTimeout(r, 500));
    const health = await fetch(`${w.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(health.status, 200, 'the process is alive');
    const normalGet = await fetch(`${w.url}/up/normal`, { headers: { apikey: key }, signal: AbortSignal.timeout(5000) });
    const normalGetSeq = ++answered;
    assert.equal(normalGet.status, 200, 'a normal request is answered while slow uploads are in progress');
    assert.equal(((await normalGet.json()) as { path: string }).path, '/up/normal');
    const normalPost = await fetch(`${w.url}/up/post`, { method: 'POST', headers: { apikey: key, 'content-type': 'text/plain' }, body: 'y'.repeat(50_000), signal: AbortSignal.timeout(5000) });
    const normalPostSeq = ++answered;
    assert.equal(normalPost.status, 200, 'a normal upload is answered while slow uploads are in progress');

    const slow = await Promise.all(trickling);
    for (const o of slow) {
      assert.equal(o.status, 408, 'a slow or silent upload is cut with 408');
      assert.equal(o.code, 'WARDEN_E_CLIENT_TIMEOUT');
      assert.ok(o.seq > normalGetSeq && o.seq > normalPostSeq, 'the normal requests did not wait for the slow uploads');
    }
    await Promise.all(hostile);
    const reached = backend.seen.map((s) => s.url).filter((u) => /\/(abort|trickle|silent)/.test(u));
    assert.deepEqual(reached, [], 'no incomplete upload reached the upstream');
    assert.ok(backend.seen.some((s) => s.url === '/up/post' && s.body.length === 50_000));

    const after = await fetch(`${w.url}/up/after`, { headers: { apikey: key }, signal: AbortSignal.timeout(5000) });
    assert.equal(after.status, 200, 'still serving once the storm is over');
    assert.equal((await fetch(`${w.url}/healthz`, { signal: AbortSignal.timeout(5000) })).status, 200);
  });

  test('a body over the route limit sent chunked is refused with 413 before any upstream connection', async () => {
    const w2 = await startTestWarden({ routes: [{ id: 'tiny', uri: '/tiny/*', body_limit_bytes: 1000, upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 }, connections: 1 } }] });
    try {
      const k = w2.key('uploader').key;
      const r = await fetch(`${w2.url}/tiny/big`, { method: 'POST', headers: { apikey: k }, body: new Blob(['z'.repeat(5000)]).stream(), duplex: 'half' } as RequestInit);
      assert.equal(r.status, 413);
      const body = (await r.json()) as { code: string; message: string };
      assert.equal(body.code, 'WARDEN_E_BODY_TOO_LARGE');
      assert.match(body.message, /routes\[\]\.body_limit_bytes/);
      assert.ok(!backend.seen.some((s) => s.url === '/tiny/big'));
    } finally {
      await w2.close();
    }
  });
});
