/**
 * The bound on server→client events, against a real HTTP server and a client socket that
 * reads the headers and then never reads again: memory held for it stays under the bound
 * plus one event, whatever the server sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { EventStream } from './event-stream.js';

const LIMIT = 64 * 1024;
const EVENT = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'x'.repeat(32 * 1024) } });

/** A server whose one response is handed to `use`, and a client that stops reading after the headers. */
async function stalledClient(): Promise<{ res: ServerResponse; client: Socket; close(): Promise<void> }> {
  let handed!: (r: ServerResponse) => void;
  const got = new Promise<ServerResponse>((r) => (handed = r));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    handed(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n');
  await new Promise<void>((resolve) => {
    let seen = '';
    const on = (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes('\r\n\r\n')) {
        client.off('data', on);
        client.pause();
        resolve();
      }
    };
    client.on('data', on);
  });
  const res = await got;
  return { res, client, close: async () => (client.destroy(), server.closeAllConnections(), await new Promise<void>((r) => server.close(() => r()))) };
}

/** Writes events until one is refused; the largest unread backlog seen on the way. */
async function flood(s: EventStream, res: ServerResponse, max = 20_000): Promise<{ written: number; peak: number }> {
  let written = 0;
  let peak = 0;
  for (let i = 0; i < max; i++) {
    if (!s.send(EVENT)) break;
    written++;
    peak = Math.max(peak, res.writableLength);
    // Let the socket move what the kernel takes, as a live server would between notifications.
    if (i % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  return { written, peak };
}

test('drop: a client that never reads loses the GET stream, with a closing comment; the backlog never passes the bound plus one event', async () => {
  const t = await stalledClient();
  try {
    const drops: number[] = [];
    const s = new EventStream(t.res, { maxBuffered: () => LIMIT, overflow: 'drop', onDrop: (n) => drops.push(n) });
    const { written, peak } = await flood(s, t.res);
    assert.ok(written > 0 && written < 20_000, `${written} events written before the drop`);
    assert.equal(drops.length, 1);
    assert.ok(peak <= LIMIT + EVENT.length + 64, `peak backlog ${peak} bytes`);
    assert.equal(s.open, false);
    assert.equal(s.send(EVENT), false, 'nothing more is written');
    assert.equal(drops.length, 1, 'dropped once');
    // Not read within the grace: the connection is destroyed, so its buffers are freed.
    await new Promise<void>((r) => (t.res.destroyed ? r() : t.res.once('close', () => r())));
    assert.ok(t.res.destroyed);
  } finally {
    await t.close();
  }
});

test('drop: a slow client that reads again gets everything written and the closing comment', async () => {
  const t = await stalledClient();
  try {
    const s = new EventStream(t.res, { maxBuffered: () => LIMIT, overflow: 'drop' });
    await flood(s, t.res);
    let text = '';
    // The response is ended (chunked, a 0-length last chunk); the connection may stay for keep-alive.
    await new Promise<void>((resolve) => {
      t.client.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.endsWith('0\r\n\r\n')) resolve();
      });
      t.client.resume();
    });
    assert.match(text, /: Warden ended this stream: the client left \d+ bytes unread \(mcp\.stream_buffer_bytes\); reopen it with GET/);
  } finally {
    await t.close();
  }
});

test('skip: on a POST stream, events are skipped while the client is behind; the stream stays open for the answer', async () => {
  const t = await stalledClient();
  try {
    const s = new EventStream(t.res, { maxBuffered: () => LIMIT, overflow: 'skip' });
    const { written, peak } = await flood(s, t.res);
    assert.ok(written > 0);
    for (let i = 0; i < 100; i++) s.send(EVENT);
    assert.ok(s.skipped >= 101, `${s.skipped} skipped`);
    assert.ok(peak <= LIMIT + EVENT.length + 64, `peak backlog ${peak} bytes`);
    assert.ok(t.res.writableLength <= LIMIT + EVENT.length + 64);
    assert.equal(s.open, true, 'the answer can still be written');
  } finally {
    await t.close();
  }
});
