/** Test servers for the http door: a recording backend node and an http-logger collector. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface Backend {
  name: string;
  url: string;
  host: string;
  port: number;
  seen: SeenRequest[];
  /** Replaces the answer: status and body for each request. */
  answer(fn: ((r: SeenRequest) => { status: number; body?: string; headers?: Record<string, string> }) | null): void;
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function startBackend(name: string): Promise<Backend> {
  const seen: SeenRequest[] = [];
  let custom: Parameters<Backend['answer']>[0] = null;
  const s = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const a = custom?.(r) ?? { status: 200, body: JSON.stringify({ node: name, path: r.url, method: r.method }) };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '');
    });
  });
  return { name, url: `http://127.0.0.1:${s.port}`, host: '127.0.0.1', port: s.port, seen, answer: (fn) => void (custom = fn), close: s.close };
}

export interface Collector {
  url: string;
  posts: { contentType: string; body: string }[];
  /** Status the collector answers (default 200). */
  status: number;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const c: Collector = { url: '', posts: [], status: 200, close: async () => undefined };
  const s = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (x: Buffer) => chunks.push(x));
    req.on('end', () => {
      c.posts.push({ contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(c.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  c.url = `http://127.0.0.1:${s.port}/_bulk`;
  c.close = s.close;
  return c;
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
