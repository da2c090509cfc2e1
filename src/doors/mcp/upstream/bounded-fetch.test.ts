import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWardenError, type WardenError } from '../../../core/errors.js';
import { boundedFetch } from './bounded-fetch.js';

const server = http.createServer((req, res) => {
  if (req.url === '/many-small-events') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 100; i++) res.write(`event: message\ndata: ${'a'.repeat(1000)}\n\n`);
    return res.end();
  }
  if (req.url === '/one-big-event') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    return res.end(`data: ${'b'.repeat(10_000)}\n\n`);
  }
  if (req.url === '/silent') return; // never answers
  res.writeHead(204).end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

const oversized: WardenError[] = [];
const f = boundedFetch({ server: 'x', maxBytes: 4096, headersTimeoutMs: 300, onOversize: (e) => void oversized.push(e) });

test('a long event stream of small events passes whole: the bound is per message', async () => {
  const text = await (await f(`${base}/many-small-events`)).text();
  assert.equal(text.match(/^data: /gm)?.length, 100);
  assert.equal(oversized.length, 0);
});

test('one event larger than the bound is cut off, reported, and the reader gets the error', async () => {
  const e = await (await f(`${base}/one-big-event`)).text().catch((x: unknown) => x);
  assert.ok(isWardenError(e) && e.code === 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', String(e));
  assert.match(e.message, /max_message_bytes/);
  assert.equal(oversized.length, 1);
});

test('answer headers that never come: a timeout naming the setting; a bodiless 204 passes', async () => {
  const e = await f(`${base}/silent`).catch((x: unknown) => x);
  assert.ok(isWardenError(e) && e.code === 'WARDEN_E_MCP_UPSTREAM_TIMEOUT', String(e));
  assert.equal((await f(`${base}/nothing`)).status, 204);
});
