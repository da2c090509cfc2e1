/**
 * A small OPA-compatible server for tests: `POST /v1/data/<path>` with `{"input": …}` is
 * answered `{"result": policy(input, path)}` — or `{}` when the policy returns undefined,
 * as OPA does for an undefined decision. A test can also take over the raw answer
 * (garbage, huge or slow bodies) to exercise the failure paths.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type OpaPolicy = (input: any, path: string) => unknown | Promise<unknown>;

/** A raw answer: status, body (string or bytes, or a count of bytes to stream), an optional delay. */
export interface RawAnswer {
  status?: number;
  body?: string | Buffer;
  /** Streams this many bytes of `{"result": "xxx…` without ever finishing the JSON. */
  streamBytes?: number;
  headers?: Record<string, string>;
  /** Waits this long before answering (the socket stays open). */
  delayMs?: number;
}

export interface OpaCall {
  path: string;
  /** The whole parsed body (`{ input: … }`). */
  body: any;
  headers: http.IncomingHttpHeaders;
}

export interface OpaServer {
  url: string;
  calls: OpaCall[];
  /** TCP connections accepted so far (keep-alive reuse keeps this low). */
  connections(): number;
  setPolicy(policy: OpaPolicy): void;
  /** Answers every call with `raw(call)` instead of the policy until cleared with null. */
  setRaw(raw: ((call: OpaCall) => RawAnswer) | null): void;
  close(): Promise<void>;
}

export async function startOpaServer(policy: OpaPolicy = () => ({ allow: true })): Promise<OpaServer> {
  let current = policy;
  let raw: ((call: OpaCall) => RawAnswer) | null = null;
  let accepted = 0;
  const calls: OpaCall[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://opa');
      if (req.method !== 'POST' || !url.pathname.startsWith('/v1/data/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"resource_not_found"}');
        return;
      }
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"invalid_parameter","message":"body is not JSON"}');
        return;
      }
      const call: OpaCall = { path: url.pathname.slice('/v1/data/'.length), body, headers: req.headers };
      calls.push(call);
      if (raw) return answerRaw(res, raw(call), timers);
      Promise.resolve()
        .then(() => current(body?.input, call.path))
        .then(
          (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result === undefined ? {} : { result })),
          (e: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'internal_error', message: e.message })),
        );
    });
  });
  server.on('connection', (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    connections: () => accepted,
    setPolicy: (p) => void (current = p),
    setRaw: (r) => void (raw = r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function answerRaw(res: http.ServerResponse, a: RawAnswer, timers: Set<NodeJS.Timeout>): void {
  const send = () => {
    if (res.destroyed) return;
    if (a.streamBytes !== undefined) {
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      res.write('{"result":"');
      let left = a.streamBytes;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // Writes until the client hangs up or the count is reached; never closes the JSON.
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => (left = 0));
      pump();
      return;
    }
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '');
  };
  if (a.delayMs) {
    const t = setTimeout(() => (timers.delete(t), send()), a.delayMs);
    timers.add(t);
  } else send();
}
