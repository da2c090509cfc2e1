/**
 * The MCP door: `tools/call` through Warden versus the same HTTP upstream directly, in one
 * run (issue 11: ≤ 1 ms added at p50, ≤ 2 ms at p99, with argument policy and guards on),
 * and 1,000 concurrent MCP sessions held by Warden (target: under 300 MB RSS).
 *
 * Warden runs as its own process (`node bin/warden.js start`, built dist/ required) with the
 * secrets and PII guards on, a grant, a CEL-free argument validator (size limit) and the
 * audit log; the upstream is the SDK fixture server of test/fixtures/mcp/http-server.ts, in
 * its own process (bench/lib/mcp-upstream.ts; `--upstream inline` serves it from this one:
 * then every call through Warden costs this process a client exchange and a server one, a
 * direct call only the first, and this process's own GC pauses land twice as often on
 * Warden's side). Calls are sequential (one connection each way) so latency, not throughput, is measured;
 * direct and Warden rounds are interleaved so drift on a shared machine hits both alike.
 *
 * Both clients open the server's own GET stream after `notifications/initialized`, as the
 * SDK's client transport (and so Claude Code) does (`--get-streams off`: not; the 1,000
 * sessions of the memory phase open theirs with `--session-streams on`, one connection each). Each side is
 * warmed up first (`--warmup 4000` calls, interleaved) so the optimising compiler is done: the
 * target is a gateway's steady state, and with 200 warm-up calls the measured rounds still
 * ran partly unoptimised code, with compiler threads competing for the cores (p99 ~2× higher).
 * `warden_own_ms` places a tail: Warden's own time per measured call (its audit record's
 * latency minus the upstream round trip) against the upstream round trip as Warden saw it.
 *
 * Run: npm run build && npx tsx bench/mcp-tools-call.ts [--calls 2000] [--sessions 1000] [--warmup 4000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { startFixtureHttpServer } from '../test/fixtures/mcp/http-server.js';
import { freePort, listeningOn, stopChild, waitForPort } from './lib/proc.js';
import { createBenchKey } from './lib/warden-peer.js';

const { values: opt } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, sessions: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '4' }, warmup: { type: 'string', default: '4000' }, 'node-args': { type: 'string', default: '' }, 'warden-out': { type: 'string' }, upstream: { type: 'string', default: 'process' }, 'get-streams': { type: 'string', default: 'on' }, 'session-streams': { type: 'string', default: 'off' } } });
const standaloneStreams = opt['get-streams'] !== 'off';
const sessionStreams = opt['session-streams'] === 'on';
const CALLS = Number(opt.calls);
const SESSIONS = Number(opt.sessions);
const ROUNDS = Number(opt.rounds);
const WARMUP = Number(opt.warmup);
const root = new URL('..', import.meta.url).pathname;

/** The fixture server in a child process, with the FixtureHttpServer members the bench uses. */
async function upstreamProcess(): Promise<{ url: string; sessionCount?: () => number; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/mcp-upstream.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await listeningOn(child, 'the MCP upstream');
  return { url, close: () => stopChild(child) };
}

/**
 * Warden's own time per `tools/call` (its audit record's latency minus the upstream's), so a
 * tail can be placed: in Warden, or in the round trip to the upstream it waits on.
 */
function wardenOwnMs(auditDir: string, skip: number, take: number): { p50: number; p99: number; upstream_p50: number; upstream_p99: number } {
  const calls: { own: number; up: number; seq: number }[] = [];
  for (const f of readdirSync(auditDir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(auditDir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { seq: number; door?: string; latency_ms?: number; upstream_latency_ms?: number | null; mcp?: { method?: string } };
      if (r.door !== 'mcp' || r.mcp?.method !== 'tools/call' || typeof r.latency_ms !== 'number' || typeof r.upstream_latency_ms !== 'number') continue;
      calls.push({ own: r.latency_ms - r.upstream_latency_ms, up: r.upstream_latency_ms, seq: r.seq });
    }
  }
  // The measured calls: after the warm-up's, before the sessions phase's.
  const measured = calls.sort((a, b) => a.seq - b.seq).slice(skip, skip + take);
  const own = measured.map((c) => c.own);
  const up = measured.map((c) => c.up);
  return { p50: pct(own, 50), p99: pct(own, 99), upstream_p50: pct(up, 50), upstream_p99: pct(up, 99) };
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

const agent = new Agent({ connections: 64, pipelining: 1 });
/** The memory phase's GET streams, one connection each (`--session-streams on`). */
const streamAgent = new Agent({ connections: 4096, pipelining: 1 });

async function post(ep: Endpoint, body: unknown, session?: string): Promise<{ status: number; session: string | undefined; text: string }> {
  const r = await request(ep.url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...ep.headers, ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify(body),
  });
  const text = await r.body.text();
  const sid = r.headers['mcp-session-id'];
  return { status: r.statusCode, session: typeof sid === 'string' ? sid : undefined, text };
}

async function openSession(ep: Endpoint, getStream = standaloneStreams, dispatcher: Agent = agent): Promise<string> {
  const init = await post(ep, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
  if (init.status !== 200 || !init.session) throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 300)}`);
  const n = await post(ep, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.session);
  if (n.status !== 202) throw new Error(`notifications/initialized answered ${n.status}`);
  if (getStream) await openGetStream(ep, init.session, dispatcher);
  return init.session;
}

/** Streams held open, closed at the end. */
const getStreams: { destroy(): void }[] = [];

/**
 * The server's own channel, opened as the SDK's StreamableHTTPClientTransport (and so Claude
 * Code) opens it after `notifications/initialized`: a server serves its calls beside it.
 */
async function openGetStream(ep: Endpoint, session: string, dispatcher: Agent = agent): Promise<void> {
  const r = await request(ep.url, { method: 'GET', dispatcher, headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': session, ...ep.headers }, bodyTimeout: 0 });
  if (r.statusCode !== 200) throw new Error(`GET ${ep.url} answered ${r.statusCode}`);
  r.body.on('error', () => undefined);
  r.body.resume();
  getStreams.push(r.body);
}

async function timeCalls(ep: Endpoint, session: string, tool: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await post(ep, { jsonrpc: '2.0', id: i + 2, method: 'tools/call', params: { name: tool, arguments: {} } }, session);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 200 || !r.text.includes('authorization')) throw new Error(`tools/call answered ${r.status}: ${r.text.slice(0, 300)}`);
  }
  return out;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** CPU seconds [user, system] the process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-mcp-'));
  const upstream = opt.upstream === 'inline' ? await startFixtureHttpServer() : await upstreamProcess();
  const port = await freePort();
  const config = {
    bootstrap_key: false,
    server: { port },
    admin: { enabled: false, port: 0 },
    logging: { level: 'warn' },
    store: { driver: 'sqlite', path: join(dir, 'warden.db') },
    audit: { dir: join(dir, 'audit') },
    consumers: [{ name: 'bench' }],
    mcp: {
      servers: { bench: { transport: 'http', url: upstream.url } },
      grants: [{ consumers: ['bench'], tools: ['bench__*'] }],
      validators: [{ tools: ['bench__*'], max_argument_bytes: 64 * 1024 }],
      max_sessions: SESSIONS + 100,
    },
  };
  const cfgFile = join(dir, 'warden.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  const key = await createBenchKey(root, cfgFile, 'bench');
  const warden: ChildProcess = spawn(process.execPath, [...opt['node-args']!.split(' ').filter(Boolean), join(root, 'bin/warden.js'), '--config', cfgFile, 'start'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    if (opt['warden-out']) warden.stdout!.pipe(createWriteStream(opt['warden-out']));
    else warden.stdout!.resume();
    await waitForPort(port, 30_000, warden);
    const direct: Endpoint = { url: upstream.url, headers: {} };
    const through: Endpoint = { url: `http://127.0.0.1:${port}/mcp/bench`, headers: { authorization: `Bearer ${key}` } };
    const [ds, ws] = [await openSession(direct), await openSession(through)];
    // Warm-up, not measured: until the JIT has optimised the call path of every process (a
    // gateway runs for days). With 200 calls, the first measured rounds still ran partly
    // unoptimised code, and the compiler threads competed for the two cores: p99 doubled.
    for (let i = 0; i < WARMUP; i += 500) {
      await timeCalls(direct, ds, 'whoami', Math.min(500, WARMUP - i));
      await timeCalls(through, ws, 'whoami', Math.min(500, WARMUP - i));
    }
    const d: number[] = [];
    const w: number[] = [];
    const wardenCpu = [0, 0];
    for (let r = 0; r < ROUNDS; r++) {
      d.push(...(await timeCalls(direct, ds, 'whoami', Math.ceil(CALLS / ROUNDS))));
      const c0 = cpuSeconds(warden.pid!);
      w.push(...(await timeCalls(through, ws, 'whoami', Math.ceil(CALLS / ROUNDS))));
      const c1 = cpuSeconds(warden.pid!);
      wardenCpu[0]! += c1[0] - c0[0];
      wardenCpu[1]! += c1[1] - c0[1];
    }
    const before = rssMb(warden.pid!);
    const t0 = Date.now();
    const sessions: string[] = [];
    // Each session makes one call, so Warden holds its upstream session too, not just its own.
    const callOn = (s: string) => post(through, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, s).then((r) => r.status);
    for (let i = 0; i < SESSIONS; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, SESSIONS - i) }, () => openSession(through, sessionStreams, streamAgent)));
      await Promise.all(batch.map(callOn));
      sessions.push(...batch);
    }
    const held = await Promise.all(sessions.slice(0, 50).map(callOn));
    const after = rssMb(warden.pid!);
    const result = {
      date: new Date().toISOString(),
      machine: `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
      calls_per_side: d.length,
      direct_ms: { p50: pct(d, 50), p99: pct(d, 99) },
      warden_ms: { p50: pct(w, 50), p99: pct(w, 99) },
      added_ms: { p50: pct(w, 50) - pct(d, 50), p99: pct(w, 99) - pct(d, 99) },
      // From Warden's audit records of the measured calls.
      warden_own_ms: wardenOwnMs(join(dir, 'audit'), WARMUP, w.length),
      warden_cpu_us_per_call: { user: Math.round((wardenCpu[0]! * 1e6) / w.length), system: Math.round((wardenCpu[1]! * 1e6) / w.length) },
      upstream: opt.upstream,
      ...(upstream.sessionCount && { upstream_sessions: upstream.sessionCount() }),
      load_average: (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' / '),
      sessions: { opened: sessions.length, open_seconds: (Date.now() - t0) / 1000, rss_before_mb: before.rss, rss_after_mb: after.rss, peak_rss_mb: after.peak, still_answering: held.filter((s) => s === 200).length + '/50' },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const g of getStreams) g.destroy();
    warden.kill('SIGTERM');
    await new Promise((r) => (warden.exitCode !== null ? r(null) : warden.once('exit', r)));
    await upstream.close();
    await agent.close();
    await streamAgent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
