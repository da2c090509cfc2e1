/** The http door: path tricks, header checks, credentials, balancing and passive health, reload. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startBackend, type Backend } from './http-door-support.js';

/** One raw HTTP/1.1 request on its own socket; the answer's status line and body. */
function raw(url: string, text: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), hostname, () => s.write(text));
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (data += d));
    s.on('error', reject);
    s.on('end', () => resolve({ status: Number(data.slice(9, 12)), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}
/** GET with the path sent verbatim (fetch would resolve dot segments itself). `headers` as `name: value\r\n` lines. */
function get(w: TestWarden, path: string, headers = ''): Promise<{ status: number; body: string }> {
  const h: [string, string][] = [['host', 'localhost']];
  for (const line of headers.split('\r\n').filter(Boolean)) h.push([line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
  const { hostname, port } = new URL(w.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method: 'GET', headers: h.flat(), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http door', () => {
  let a: Backend;
  let b: Backend;
  let w: TestWarden;
  let key: string;

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    w = await startTestWarden({
      consumers: [{ name: 'agent', groups: ['agents', 'ci'] }],
      routes: [
        { id: 'api', uri: '/api/*', upstream: { nodes: [{ host: a.host, port: a.port, weight: 3 }, { host: b.host, port: b.port, weight: 1 }], passive_health: { failures: 2, cooldown_ms: 60_000 } }, key_auth: { query: true } },
        { id: 'open', uri: ['/public', '/public/*'], methods: ['GET'], key_auth: { enabled: false }, upstream: { nodes: { [`${a.host}:${a.port}`]: 1 } } },
        { id: 'raw-creds', uri: '/passthrough/*', hide_credentials: false, upstream: { nodes: { [`${a.host}:${a.port}`]: 1 } } },
      ],
    });
    key = w.key('agent').key;
  });
  after(async () => {
    await w.close();
    await Promise.all([a.close(), b.close()]);
  });

  test('path normalisation: traversal out of a route is resolved before matching, never forwarded', async () => {
    const n = a.seen.length + b.seen.length;
    assert.equal((await get(w, '/api/../admin', `apikey: ${key}\r\n`)).status, 404);
    assert.equal((await get(w, '/api/%2e%2e/admin', `apikey: ${key}\r\n`)).status, 404);
    assert.equal(a.seen.length + b.seen.length, n);
    const ok = await get(w, '/api//x/./y/../z', `apikey: ${key}\r\n`);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).path, '/api/x/z', 'the matched path is the forwarded path');
  });

  test('path tricks that must not be guessed at are refused with 400', async () => {
    for (const p of ['/api%2fadmin', '/api/%2F..', '/api/..;/admin', '/api/%00x', '/api/../../etc/passwd', '/api/a\\b', '/api/%zz']) {
      const r = await get(w, p, `apikey: ${key}\r\n`);
      assert.equal(r.status, 400, p);
      assert.equal(JSON.parse(r.body).code, 'WARDEN_E_BAD_REQUEST', p);
    }
    const long = await get(w, `/api/${'a'.repeat(9000)}`, `apikey: ${key}\r\n`);
    assert.equal(long.status, 400);
    assert.match(JSON.parse(long.body).message, /longer than/);
  });

  test('duplicate or conflicting framing and credentials are refused with 400', async () => {
    const twoHosts = await raw(w.url, `GET /api/x HTTP/1.1\r\nhost: a\r\nhost: b\r\napikey: ${key}\r\nconnection: close\r\n\r\n`);
    assert.equal(twoHosts.status, 400);
    const twoCl = await raw(w.url, `POST /api/x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\ncontent-length: 3\r\napikey: ${key}\r\nconnection: close\r\n\r\n{}`);
    assert.equal(twoCl.status, 400);
    const twoKeys = await get(w, '/api/x', `apikey: ${key}\r\nx-api-key: something-else\r\n`);
    assert.equal(twoKeys.status, 400);
    assert.equal(JSON.parse(twoKeys.body).code, 'WARDEN_E_HEADER_INVALID');
    assert.equal((await get(w, '/api/x', `apikey: ${key}\r\nx-api-key: ${key}\r\n`)).status, 200, 'the same key twice is not ambiguous');
  });

  test('identity headers are asserted by Warden; client copies and hop-by-hop headers are dropped', async () => {
    const r = await get(w, '/api/who', `apikey: ${key}\r\nx-consumer-username: admin\r\nx-consumer-groups: admins\r\nkeep-alive: 5\r\nx-custom: 1\r\nte: trailers\r\n`);
    assert.equal(r.status, 200);
    const seen = [...a.seen, ...b.seen].find((s) => s.url === '/api/who')!;
    assert.equal(seen.headers['x-consumer-username'], 'agent');
    assert.equal(seen.headers['x-consumer-groups'], 'agents,ci');
    assert.equal(seen.rawHeaders.filter((h) => h.toLowerCase() === 'x-consumer-username').length, 1);
    assert.equal(seen.headers['keep-alive'], undefined);
    assert.equal(seen.headers['te'], undefined);
    assert.equal(seen.headers['apikey'], undefined);
    assert.equal(seen.headers['x-custom'], '1');
    assert.equal(seen.headers['host'], 'localhost', 'pass_host: pass');
  });

  test('the apikey query parameter works where allowed and is stripped before the upstream', async () => {
    const r = await get(w, `/api/q?x=1&apikey=${key}&y=2`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).path, '/api/q?x=1&y=2');
    const open = await get(w, '/passthrough/q', `x-api-key: ${key}\r\n`);
    assert.equal(open.status, 200);
    assert.equal(a.seen.at(-1)!.headers['x-api-key'], key, 'hide_credentials: false passes the key on');
    assert.equal((await get(w, `/passthrough/q?apikey=${key}`)).status, 401, 'query keys only where the route allows them');
  });

  test('public routes, method restrictions and unknown paths', async () => {
    assert.equal((await get(w, '/public')).status, 200);
    const post = await raw(w.url, 'POST /public HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    assert.equal(post.status, 405);
    assert.equal((await get(w, '/nothing-here')).status, 404);
  });

  test('weighted round-robin spreads 3:1 and a failing node is taken out for its cool-down', async () => {
    const before = { a: a.seen.length, b: b.seen.length };
    for (let i = 0; i < 8; i++) assert.equal((await get(w, '/api/rr', `apikey: ${key}\r\n`)).status, 200);
    assert.equal(a.seen.length - before.a, 6);
    assert.equal(b.seen.length - before.b, 2);

    b.answer(() => ({ status: 503, body: '{"down":true}' }));
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(w, '/api/rr', `apikey: ${key}\r\n`)).status);
    assert.equal(statuses.filter((s) => s === 503).length, 2, 'two failures take b out; it gets nothing during its cool-down');
    const metrics = await (await fetch(`${w.adminUrl}/metrics`)).text();
    assert.match(metrics, /warden_requests_total\{door="http",consumer="agent"/);
  });

  test('a request body reaches the upstream whole (buffered, then forwarded with its length)', async () => {
    const body = 'x'.repeat(200_000);
    const res = await fetch(`${w.url}/api/upload`, { method: 'PUT', headers: { apikey: key, 'content-type': 'text/plain' }, body });
    assert.equal(res.status, 200);
    assert.equal([...a.seen, ...b.seen].find((s) => s.url === '/api/upload')!.body.length, body.length);
  });
});
