/**
 * The calibration peer of BENCHMARKS.md: the thinnest honest Node proxy built the obvious
 * way — node:http server plus an undici Pool; it reads the body, parses it for the model,
 * hashes the bearer key and looks it up, forwards the original bytes and streams the answer
 * back. Warden's targets sit above it; it shows in the same run what "the obvious way" gets.
 * Run: `node --import tsx bench/peers/naive-node-proxy.ts PORT UPSTREAM_ORIGIN KEY`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '0', upstream = 'http://127.0.0.1:8080', key = 'bench-naive-key'] = process.argv.slice(2);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const keys = new Set([sha(key)]);
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'authorization', 'upgrade', 'proxy-connection', 'te', 'trailer']);

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !keys.has(sha(auth.slice(7)))) return void res.writeHead(401).end();
    let model: unknown;
    try {
      model = (JSON.parse(body.toString()) as { model?: unknown }).model;
    } catch {
      return void res.writeHead(400).end();
    }
    if (typeof model !== 'string') return void res.writeHead(400).end();
    const headers: Record<string, string> = { 'x-api-key': 'sk-bench-upstream' };
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && k !== 'x-api-key' && typeof v === 'string') headers[k] = v;
    pool.request({ method: 'POST', path: req.url ?? '/', headers, body }).then(
      (up) => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k) && typeof v === 'string') out[k] = v;
        res.writeHead(up.statusCode, out);
        up.body.on('data', (c: Buffer) => res.write(c));
        up.body.on('end', () => res.end());
        up.body.on('error', () => res.destroy());
      },
      () => res.writeHead(502).end(),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`LISTENING ${typeof a === 'object' && a ? a.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
