/**
 * Path tricks on the http door, one table through a real Warden: every row is refused (400,
 * or 404 once resolved outside every route) and nothing reaches the upstream. Paths go out
 * verbatim on a raw socket (clients such as fetch would normalise them first).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startBackend, type Backend } from './http-door-support.js';

/** [path as sent (latin1 bytes), expected status, what it tries]. */
const TRICKS: [string, number, string][] = [
  ['/api/..%5C..%5Cadmin', 400, 'encoded backslash'],
  ['/api/..%5c..%5cadmin', 400, 'encoded backslash, lower case'],
  ['/api/%5C', 400, 'encoded backslash alone'],
  ['/api/%2F..%2Fadmin', 400, 'encoded slash'],
  ['/api/%2f..%2fadmin', 400, 'encoded slash, lower case'],
  ['/api/%2e%2e%2fadmin', 400, 'encoded dots and slash'],
  ['/api/a\\..\\admin', 400, 'raw backslash'],
  ['/api/%2e%2e/admin', 404, 'encoded dots: resolved to /admin, which no route serves'],
  ['/api/%2E%2E/admin', 404, 'encoded dots, upper case'],
  ['/api/.%2e/admin', 404, 'half-encoded dots'],
  ['/api/%2e%2e/%2e%2e/admin', 400, 'encoded dots above the root'],
  ['/api/../../etc/passwd', 400, 'dots above the root'],
  ['/api/%252e%252e/admin', 400, 'double-encoded dots'],
  ['/api/%252F..%252Fadmin', 400, 'double-encoded slash'],
  ['/api/%255C..%255Cadmin', 400, 'double-encoded backslash'],
  ['/api/%25252e%25252e/admin', 400, 'triple-encoded dots'],
  ['/api/%2500', 400, 'double-encoded NUL'],
  ['/api/%00', 400, 'encoded NUL'],
  ['/api/a%00.json', 400, 'encoded NUL before an extension'],
  ['/api/%c0%ae%c0%ae/admin', 400, 'overlong UTF-8 dots'],
  ['/api/%C0%AF..%C0%AFadmin', 400, 'overlong UTF-8 slash'],
  ['/api/%e0%80%af', 400, 'three-byte overlong slash'],
  ['/api/%c1%9c', 400, 'overlong UTF-8 backslash'],
  ['/api/%c0', 400, 'truncated UTF-8 sequence'],
  ['/api/%ef%bc%8f..%ef%bc%8fadmin', 400, 'fullwidth solidus'],
  ['/api/%ef%bc%8e%ef%bc%8e/admin', 400, 'fullwidth full stops'],
  ['/api/%ef%bc%bc', 400, 'fullwidth reverse solidus'],
  ['/api/%e2%88%95admin', 400, 'division slash'],
  ['/api/\xc0\xae\xc0\xae/admin', 400, 'raw overlong bytes'],
  ['/api/caf\xe9', 400, 'raw non-ASCII byte'],
  ['/api/..;/admin', 400, '..; path parameter'],
  ['/api/%2e%2e;/admin', 400, 'encoded ..; path parameter'],
  ['/api/.;/x', 400, '.; path parameter'],
  ['/api/%zz', 400, 'malformed percent-encoding'],
  ['/api/%2', 400, 'truncated percent-encoding'],
  [`/api/${'a'.repeat(5000)}`, 400, 'path over 4096 characters'],
  [`/api/${'a/'.repeat(4500)}`, 400, 'URI over 8192 characters'],
];

/** Legitimate paths the same table must not catch. */
const FINE: [string, string][] = [
  ['/api/x', '/api/x'],
  ['/api//x/./y/../z', '/api/x/z'],
  ['/api/%7Euser', '/api/~user'],
  ['/api/caf%C3%A9', '/api/caf%C3%A9'],
  ['/api/100%25', '/api/100%25'],
  ['/api/a%20b', '/api/a%20b'],
];

function send(url: string, path: string, key: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), hostname, () => s.write(Buffer.from(`GET ${path} HTTP/1.1\r\nhost: localhost\r\napikey: ${key}\r\nconnection: close\r\n\r\n`, 'latin1')));
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (data += d));
    s.on('error', reject);
    s.on('close', () => resolve({ status: Number(data.slice(9, 12)), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

describe('http door: path tricks', () => {
  let backend: Backend;
  let w: TestWarden;
  let key: string;

  before(async () => {
    backend = await startBackend('api');
    w = await startTestWarden({ routes: [{ id: 'api', uri: '/api/*', upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 } } }] });
    key = w.key('agent').key;
  });
  after(async () => {
    await w.close();
    await backend.close();
  });

  test('every trick is refused and nothing reaches the upstream', async () => {
    for (const [path, status, what] of TRICKS) {
      const r = await send(w.url, path, key);
      assert.equal(r.status, status, `${what}: ${path.slice(0, 60)} → ${r.body.slice(0, 200)}`);
      if (status === 400) assert.match(r.body, /WARDEN_E_(BAD_REQUEST|HEADER_INVALID)/, what);
    }
    assert.deepEqual(backend.seen.map((s) => s.url), [], 'no trick was forwarded');
  });

  test('ordinary paths still pass, forwarded as matched', async () => {
    for (const [path, forwarded] of FINE) {
      const r = await send(w.url, path, key);
      assert.equal(r.status, 200, `${path} → ${r.body.slice(0, 200)}`);
      assert.equal(backend.seen.at(-1)!.url, forwarded);
    }
  });
});
