/**
 * The Anthropic-shaped mock upstream every peer forwards to. Raw TCP with precomputed
 * responses: POST …/messages answers the JSON message, or the SSE stream when the body
 * asks for `"stream":true`; a body carrying `bench_slow_stream` gets the same stream with
 * its events spaced out (for the many-slow-streams test).
 *
 * Run alone: `npx tsx bench/lib/mock-upstream.ts [port]` prints `LISTENING <port>`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { JSON_RESPONSE, LAST_CHUNK, NOT_FOUND, SSE_EVENTS, SSE_HEAD, SSE_RESPONSE, chunk } from './mock-responses.js';
import { RequestReader, type MockRequest } from './request-reader.js';

const STREAM_TRUE = Buffer.from('"stream":true');
const SLOW_MARKER = Buffer.from('bench_slow_stream');
const SLOW_EVENT_GAP_MS = 250;
const SSE_CHUNKS = SSE_EVENTS.map(chunk);

function answer(socket: Socket, req: MockRequest): void {
  if (req.method !== 'POST' || !req.path.includes('/messages')) {
    socket.write(NOT_FOUND);
  } else if (req.body.indexOf(STREAM_TRUE) === -1) {
    socket.write(JSON_RESPONSE);
  } else if (req.body.indexOf(SLOW_MARKER) === -1) {
    socket.write(SSE_RESPONSE);
  } else {
    slowStream(socket);
    return;
  }
  if (req.close) socket.end();
}

/** One event every SLOW_EVENT_GAP_MS; a slow stream keeps its connection to itself. */
function slowStream(socket: Socket): void {
  socket.write(SSE_HEAD);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    if (i < SSE_CHUNKS.length) socket.write(SSE_CHUNKS[i++]!);
    else {
      clearInterval(timer);
      socket.write(LAST_CHUNK);
    }
  }, SLOW_EVENT_GAP_MS);
  socket.once('close', () => clearInterval(timer));
}

export function startMockUpstream(port = 0, host = '127.0.0.1'): Promise<Server> {
  const server = createServer({ noDelay: true }, (socket) => {
    const reader = new RequestReader();
    socket.on('data', (data: Buffer) => {
      let reqs: MockRequest[];
      try {
        reqs = reader.push(data);
      } catch {
        socket.destroy();
        return;
      }
      for (const r of reqs) answer(socket, r);
    });
    socket.on('error', () => socket.destroy());
  });
  server.maxConnections = 20_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => resolve(server));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startMockUpstream(Number(process.argv[2] ?? 0));
  const addr = server.address();
  process.stdout.write(`LISTENING ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
