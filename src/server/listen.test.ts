import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeServer, listen } from './listen.js';

test('an error of the listening server (accept failing with EMFILE) is reported, not thrown, and serving goes on', async () => {
  const seen: string[] = [];
  const { server, url } = await listen({ host: '127.0.0.1', port: 0, headersTimeoutMs: 5000, keepAliveTimeoutMs: 1000, onError: (e) => seen.push(e.message) }, (_req, res) => res.end('ok'));
  try {
    server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    assert.deepEqual(seen, ['accept EMFILE']);
    assert.equal(await (await fetch(url)).text(), 'ok');
  } finally {
    await closeServer(server, 500);
  }
});
