/**
 * A realistic agent session through warden-governed: the 50 KB Claude-Code-shaped request
 * (bench/fixtures/claude-code-50k.json) growing by one turn of a few KB for 50 turns, as
 * Claude Code sends it (the whole conversation every turn, stream: true, the prompt-cache
 * marker moved to the newest block, the session header). What it shows: the guards pay each
 * turn only its new bytes (the request guard's per-text cache, src/guards/request-guard.ts).
 *
 *   bash bench/run.sh --agent-session [sessions=40] [turns=50] [out=FILE.json] [guard-only]
 *   (= npm run build && npx tsx bench/agent-session.ts …)
 *
 * Two measurements, both CPU time (not wall time: the machine may be shared):
 * 1. Through Warden: `warden start --workers 1` on bench/configs/governed.yaml in front of the
 *    mock upstream (bench/lib/mock-upstream.ts). Turn t of every session is sent (one request
 *    at a time), and the Warden process's CPU time over those requests (/proc/<pid>/task/<tid>/
 *    schedstat, ns) is divided by the number of sessions: Warden's whole CPU per request at
 *    turn t. Each session's new blocks are its own, so no session's turn is answered from
 *    another's cache; the fixed part (system, tools, the first 50 KB) is shared, as it is
 *    between Claude Code users.
 * 2. The request guard alone, in this process (the governed config's guards): CPU time of
 *    `inspect` per request at turn t, with the guard kept across turns (as in Warden) and with
 *    a fresh guard per request (what every turn would cost without the cache).
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpRequest, Agent } from 'undici';
import { parseConfig } from '../src/config/load.js';
import { RequestGuard } from '../src/guards/request-guard.js';
import { buildDetectorSources } from '../src/guards/detector-set.js';
import { wardenPeer } from './lib/warden-peer.js';
import { sessionBody, type Body } from './lib/agent-session-body.js';
import { processTree } from './lib/proc-stats.js';
import { startMockUpstream, stopAll, stopChild } from './lib/proc.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, '..');
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? dflt);
const SESSIONS = arg('sessions', 40);
const TURNS = arg('turns', 50);
const outFile = process.argv.find((a) => a.startsWith('out='))?.slice(4);
const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,context-management-2025-06-27',
  'user-agent': 'claude-cli/2.1.328 (external, sdk-cli)',
  'x-app': 'cli',
};

/** CPU time of a process tree in ns, from the scheduler's per-thread accounting (finer than /proc/<pid>/stat's 10 ms ticks). */
function cpuNs(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      } catch {
        /* the thread ended */
      }
    }
  }
  return ns;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface TurnRow {
  turn: number;
  bodyKb: number;
  newKb: number;
  wardenUsPerRequest: number;
  guardUs: number;
  guardScannedChars: number;
  guardNoCacheUs: number;
}

async function main(): Promise<void> {
  const loadStart = loadavg();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(benchDir, '.run', `agent-session-${stamp}`);
  mkdirSync(runDir, { recursive: true });
  const rows: TurnRow[] = Array.from({ length: TURNS }, (_, i) => ({ turn: i + 1, bodyKb: 0, newKb: 0, wardenUsPerRequest: 0, guardUs: 0, guardScannedChars: 0, guardNoCacheUs: 0 }));

  // 2. The request guard alone (first, so Warden's processes are not running meanwhile).
  const template = readFileSync(join(benchDir, 'configs/governed.yaml'), 'utf8').replaceAll('{{PORT}}', '1').replaceAll('{{ADMIN_PORT}}', '2').replaceAll('{{UPSTREAM_URL}}', 'http://127.0.0.1:3').replaceAll('{{DIR}}', runDir);
  const guards = parseConfig(template, 'governed.yaml', runDir).guards;
  // Both guards share the compiled detectors; the second starts with an empty cache each time.
  const sources = buildDetectorSources(guards);
  const kept = new RequestGuard(guards, sources);
  const sessionsInProcess = Math.min(SESSIONS, 20);
  // process.cpuUsage counts every thread, the GC's helpers too: the bodies of a turn are built
  // before any is timed. (Forcing a full GC before each inspect was tried: it doubled the times.)
  for (let t = 1; t <= TURNS; t++) {
    const withCache: number[] = [];
    const without: number[] = [];
    let scanned = 0;
    const turnTexts = Array.from({ length: sessionsInProcess }, (_, s) => JSON.stringify(sessionBody(s, t)));
    rows[t - 1]!.bodyKb = Buffer.byteLength(turnTexts[0]!) / 1024;
    rows[t - 1]!.newKb = t === 1 ? rows[0]!.bodyKb : rows[t - 1]!.bodyKb - rows[t - 2]!.bodyKb;
    for (let s = 0; s < sessionsInProcess; s++) {
      // Parsed as Warden parses the body it reads: new strings every turn, as off the wire.
      const text = turnTexts[s]!;
      const a = JSON.parse(text) as Body;
      const before = kept.scanned;
      let c = process.cpuUsage();
      await kept.inspect(a, 'bench');
      c = process.cpuUsage(c);
      withCache.push(c.user + c.system);
      scanned += kept.scanned - before;
      if (t % 5 === 0 || t === 1) {
        const b = JSON.parse(text) as Body;
        const fresh = new RequestGuard(guards, sources);
        let d = process.cpuUsage();
        await fresh.inspect(b, 'bench');
        d = process.cpuUsage(d);
        without.push(d.user + d.system);
      }
    }
    rows[t - 1]!.guardUs = median(withCache);
    rows[t - 1]!.guardScannedChars = Math.round(scanned / sessionsInProcess);
    rows[t - 1]!.guardNoCacheUs = without.length ? median(without) : NaN;
  }

  // 1. Through Warden.
  if (process.argv.includes('guard-only')) {
    process.stdout.write(`${renderTable({ rows, sessions: 0, guardSessions: sessionsInProcess, loadAverageStart: loadStart, loadAverageEnd: loadavg() })}\n`);
    return;
  }
  const { mock, upstreamPort } = await startMockUpstream(`0-${availableParallelism() - 1}`, benchDir, runDir, repoDir);
  const peer = await wardenPeer({ runDir, benchDir, upstreamPort, proxyCpu: 1 }, 'governed', { repoDir });
  const agent = new Agent({ connections: 1, pipelining: 1 });
  try {
    const pids = processTree(peer.pid!);
    const send = async (body: string) => {
      const r = await httpRequest(peer.url, { method: 'POST', dispatcher: agent, headers: { ...HEADERS, ...peer.headers, 'x-claude-code-session-id': sessionIdOf(body) }, body });
      const text = await r.body.text();
      if (r.statusCode !== 200 || !text.includes('message_stop')) throw new Error(`HTTP ${r.statusCode}: ${text.slice(0, 300)}`);
    };
    // Warm-up: a session of its own, all turns, so the JIT has seen every path.
    for (let t = 1; t <= TURNS; t += 7) await send(withSession(JSON.stringify(sessionBody(SESSIONS + 1, t)), SESSIONS + 1));
    for (let t = 1; t <= TURNS; t++) {
      const bodies = Array.from({ length: SESSIONS }, (_, s) => withSession(JSON.stringify(sessionBody(s, t)), s));
      const before = cpuNs(pids);
      for (const b of bodies) await send(b);
      rows[t - 1]!.wardenUsPerRequest = (cpuNs(pids) - before) / 1000 / SESSIONS;
      process.stdout.write(`turn ${t}: body ${rows[t - 1]!.bodyKb.toFixed(1)} KB, Warden ${rows[t - 1]!.wardenUsPerRequest.toFixed(0)} µs/request, guard ${rows[t - 1]!.guardUs} µs (no cache ${rows[t - 1]!.guardNoCacheUs})\n`);
    }
  } finally {
    await agent.close();
    await peer.stop();
    await stopChild(mock.child);
    await stopAll();
  }
  const result = { date: new Date().toISOString(), sessions: SESSIONS, guardSessions: sessionsInProcess, turns: TURNS, loadAverageStart: loadStart, loadAverageEnd: loadavg(), rows };
  const file = outFile ?? join(runDir, 'agent-session.json');
  writeFileSync(file, JSON.stringify(result, null, 2));
  process.stdout.write(`\n${renderTable(result)}\nraw: ${file}\n`);
}

/** Each session has its own session id (metadata.user_id and the header), as separate Claude Code sessions do. */
function withSession(body: string, s: number): string {
  return body.replace('session_0b6c2f43-9d1e-4a55-8c39-2f3f0e6d1a77', `session_0b6c2f43-9d1e-4a55-8c39-${String(s).padStart(12, '0')}`);
}
function sessionIdOf(body: string): string {
  return /session_([0-9a-f-]{36})/.exec(body)?.[1] ?? 'none';
}

function renderTable(r: { rows: TurnRow[]; sessions: number; guardSessions: number; loadAverageStart: number[]; loadAverageEnd: number[] }): string {
  const lines = [
    `| turn | body KB | new KB | Warden CPU µs/request | request guard CPU µs (cache kept) | chars scanned | request guard CPU µs, no cache |`,
    `|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const x of r.rows) {
    if (!(x.turn <= 3 || x.turn % 5 === 0)) continue;
    lines.push(`| ${x.turn} | ${x.bodyKb.toFixed(1)} | ${x.newKb.toFixed(1)} | ${x.wardenUsPerRequest.toFixed(0)} | ${x.guardUs} | ${x.guardScannedChars} | ${Number.isNaN(x.guardNoCacheUs) ? '–' : x.guardNoCacheUs} |`);
  }
  const later = r.rows.filter((x) => x.turn >= 2);
  const first = later.slice(0, 10);
  const last = later.slice(-10);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  lines.push('', `Turns 2–11 vs 41–50, mean: request guard ${avg(first.map((x) => x.guardUs)).toFixed(0)} → ${avg(last.map((x) => x.guardUs)).toFixed(0)} µs; Warden ${avg(first.map((x) => x.wardenUsPerRequest)).toFixed(0)} → ${avg(last.map((x) => x.wardenUsPerRequest)).toFixed(0)} µs/request; body ${avg(first.map((x) => x.bodyKb)).toFixed(0)} → ${avg(last.map((x) => x.bodyKb)).toFixed(0)} KB. Load average ${r.loadAverageStart.map((l) => l.toFixed(1)).join(' / ')} at start, ${r.loadAverageEnd.map((l) => l.toFixed(1)).join(' / ')} at end.`);
  return lines.join('\n');
}

await main();
process.exit(0);
