import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Server } from 'node:net';
import { request } from 'undici';
import { JSON_BODY, SSE_BODY } from './mock-responses.js';
import { startMockUpstream } from './mock-upstream.js';

describe('mock upstream', () => {
  let server: Server;
  let origin: string;
  let port: number;
  before(async () => {
    server = await startMockUpstream(0);
    const a = server.address();
    port = typeof a === 'object' && a ? a.port : 0;
    origin = `http://127.0.0.1:${port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('answers a Messages request with the JSON message', async () => {
    const res = await request(`${origin}/v1/messages?beta=true`, { method: 'POST', body: '{"model":"claude-x","stream":false}' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.ok(Buffer.from(await res.body.arrayBuffer()).equals(JSON_BODY));
  });

  test('streams SSE when the body asks for it, ending in message_stop', async () => {
    const res = await request(`${origin}/v1/messages`, { method: 'POST', body: '{"model":"claude-x","stream":true}' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const body = Buffer.from(await res.body.arrayBuffer());
    assert.ok(body.equals(SSE_BODY));
    assert.ok(body.toString().startsWith('event: message_start\n'));
    assert.ok(body.toString().endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
  });

  test('404 for anything but POST …/messages', async () => {
    const res = await request(`${origin}/v1/models`);
    assert.equal(res.statusCode, 404);
    await res.body.dump();
  });

  test('a chunked request body on a raw socket, then Connection: close ends it', async () => {
    const data = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write('POST /v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n');
        s.write('d\r\n{"stream":tru\r\n');
        s.end('2\r\ne}\r\n0\r\n\r\n');
      });
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(data, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(data, /transfer-encoding: chunked/);
    assert.match(data, /event: message_stop/);
  });
});
