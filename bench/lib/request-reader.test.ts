import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestReader } from './request-reader.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('RequestReader', () => {
  test('a Content-Length body split across reads', () => {
    const r = new RequestReader();
    assert.deepEqual(r.push(b('POST /v1/messages?beta=true HTTP/1.1\r\nHost: x\r\nContent-')), []);
    assert.deepEqual(r.push(b('Length: 11\r\n\r\nhello ')), []);
    const [req] = r.push(b('world'));
    assert.equal(req!.method, 'POST');
    assert.equal(req!.path, '/v1/messages?beta=true');
    assert.equal(req!.body.toString(), 'hello world');
    assert.equal(req!.close, false);
  });

  test('a chunked body with an extension and a trailer', () => {
    const r = new RequestReader();
    const got = r.push(b('POST /v1/messages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n'));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), 'hello world');
  });

  test('a chunked body arriving a byte at a time', () => {
    const r = new RequestReader();
    const wire = b('POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    const got = [];
    for (let i = 0; i < wire.length; i++) got.push(...r.push(wire.subarray(i, i + 1)));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), 'abc');
  });

  test('pipelined requests in one read, and Connection: close', () => {
    const r = new RequestReader();
    const got = r.push(b('POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nAPOST /b HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\nBB'));
    assert.deepEqual(got.map((x) => [x.path, x.body.toString(), x.close]), [['/a', 'A', false], ['/b', 'BB', true]]);
  });

  test('a request without a body', () => {
    const [req] = new RequestReader().push(b('GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(req!.method, 'GET');
    assert.equal(req!.body.length, 0);
  });

  test('a bad Content-Length or chunk size throws', () => {
    assert.throws(() => new RequestReader().push(b('POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n')));
    assert.throws(() => new RequestReader().push(b('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')));
  });
});
