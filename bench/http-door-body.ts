/**
 * What receiving the whole request body before forwarding costs on the http door
 * (docs/http-door.md, "Request bodies"): req/s and p50 latency of POSTs of 1 KiB to 8 MiB,
 * and the Warden process's peak RSS, against a local backend that reads and discards.
 * Run on this build and on an older one to compare:
 *   npm run build && node dist/bench/http-door-body.js [dist root of another build]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));
const distRoot = process.argv[2] ?? join(here, '..');
const SIZES = [1024, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = 16;

const backend = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
});
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
const backendAddr = `127.0.0.1:${(backend.address() as AddressInfo).port}`;

const child = spawn(process.execPath, [join(here, 'http-door-body-warden.js'), distRoot, backendAddr], { stdio: ['ignore', 'pipe', 'inherit'] });
const { url, key } = await new Promise<{ url: string; key: string }>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()))));
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
/** The child's user + system CPU time in µs (clock ticks of 10 ms): steady on a busy machine, unlike req/s. */
const cpuUs = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

async function post(pool: Pool, body: Buffer): Promise<number> {
  const t = process.hrtime.bigint();
  const r = await pool.request({ method: 'POST', path: '/up/x', headers: { apikey: key, 'content-type': 'application/octet-stream' }, body });
  await r.body.dump();
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

console.log(`dist root: ${distRoot}`);
console.log('| body | Warden CPU µs/req, 16 conns | req/s, 16 conns | p50 ms, 1 conn | Warden peak RSS MB |');
console.log('|---:|---:|---:|---:|---:|');
for (const size of SIZES) {
  const body = Buffer.alloc(size, 'x');
  const one = new Pool(url, { connections: 1 });
  const lat: number[] = [];
  for (let i = 0; i < 5; i++) await post(one, body);
  const until1 = Date.now() + SECONDS * 1000;
  while (Date.now() < until1) lat.push(await post(one, body));
  await one.close();
  lat.sort((a, b) => a - b);
  const many = new Pool(url, { connections: CONCURRENCY });
  let done = 0;
  const cpu0 = cpuUs();
  const until = Date.now() + SECONDS * 1000;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      await post(many, body);
      done++;
    }
  }));
  const rps = done / ((Date.now() - t0) / 1000);
  const perReq = (cpuUs() - cpu0) / done;
  await many.close();
  const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`;
  console.log(`| ${label} | ${perReq.toFixed(0)} | ${rps.toFixed(0)} | ${lat[Math.floor(lat.length / 2)]!.toFixed(2)} | ${peakRssMb().toFixed(0)} |`);
}
child.kill();
backend.close();
