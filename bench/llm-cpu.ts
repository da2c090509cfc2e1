/**
 * CPU µs per request, step by step (issue 14): Warden as built in this tree against another
 * build of it (`--base DIR`: a checkout with dist/ built, e.g. the commit before a change)
 * and the naive Node proxy, in many short interleaved rounds (peer order rotated), so that a
 * loaded machine weighs on all of them alike. The figure is each proxy's own CPU time per
 * request (/proc), and the ratios are taken within each round, then their median.
 * `npx tsx bench/llm-cpu.ts --base /tmp/base [--configs bare,governed] [--scenarios small-json,cc50k-json]
 *   [--connections 50] [--rounds 15] [--duration 2]`
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { naiveNodePeer, type Peer, type PeerEnv } from './lib/peers.js';
import { startMockUpstream, stopAll, stopChild } from './lib/proc.js';
import { UsageMeter } from './lib/proc-stats.js';
import { prepareScenarios, type ScenarioId } from './lib/scenarios.js';
import { median } from './lib/stats.js';
import { wardenPeer } from './lib/warden-peer.js';
import { runWrk } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    configs: { type: 'string', default: 'bare' },
    scenarios: { type: 'string', default: 'small-json,cc50k-json' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '15' },
    duration: { type: 'string', default: '2' },
  },
});
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, '..');
const runDir = join(benchDir, '.run', `cpu-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(runDir, { recursive: true });
const load0 = loadavg();

const { mock, upstreamPort } = await startMockUpstream('0-1', benchDir, runDir, repoDir);
// Not pinned: on a machine shared with other work, pinning only queues the proxy behind it.
const env: PeerEnv = { runDir, benchDir, upstreamPort, proxyCpu: '0-1' as unknown as number };
const peers: Peer[] = [await naiveNodePeer(env)];
for (const c of values.configs!.split(',')) {
  peers.push(await wardenPeer(env, c, { repoDir }));
  if (values.base) {
    const p = await wardenPeer({ ...env, runDir: join(runDir, 'base') }, c, { repoDir: values.base });
    peers.push({ ...p, name: `${p.name}@base` });
  }
}
const scenarioMap = prepareScenarios(benchDir, runDir);
const scenarios = values.scenarios!.split(',').map((id) => scenarioMap.get(id as ScenarioId)!);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const durationS = Number(values.duration);

type Cell = { peer: string; round: number; us: number; rps: number; p50: number };
for (const s of scenarios) {
  const run = async (p: Peer, d: number) => {
    const meter = new UsageMeter(p.pid!);
    const w = await runWrk({ url: p.url, bodyFile: s.bodyFile, headers: { ...s.headers, ...p.headers }, connections, durationS: d, cpu: 0, ...(s.turnMarker ? { turnMarker: s.turnMarker } : {}) });
    const u = meter.stop();
    if (w.errors) throw new Error(`${p.name} ${s.id}: ${w.errors} errors`);
    return { us: w.rps > 0 ? (u.cpuPercent / 100 / w.rps) * 1e6 : Number.NaN, rps: w.rps, p50: w.p50Ms };
  };
  for (const p of peers) await run(p, 2); // warm-up
  const cells: Cell[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = peers.map((_, i) => peers[(i + r) % peers.length]!);
    for (const p of order) cells.push({ peer: p.name, round: r, ...(await run(p, durationS)) });
  }
  const naive = cells.filter((c) => c.peer === 'node-naive');
  console.log(`\n${s.label}, ${connections} connection(s), ${rounds} rounds of ${durationS} s`);
  for (const p of peers) {
    const mine = cells.filter((c) => c.peer === p.name);
    const vsNaive = mine.map((c) => c.us / naive.find((n) => n.round === c.round)!.us);
    const base = p.name.endsWith('@base') ? undefined : cells.filter((c) => c.peer === `${p.name}@base`);
    const vsBase = base?.length ? mine.map((c) => c.us / base.find((b) => b.round === c.round)!.us) : [];
    console.log(
      `  ${p.name.padEnd(22)} ${median(mine.map((c) => c.us)).toFixed(1).padStart(7)} µs/req` +
        `  × naive ${median(vsNaive).toFixed(2)} (rounds ${Math.min(...vsNaive).toFixed(2)}–${Math.max(...vsNaive).toFixed(2)})` +
        (vsBase.length ? `  × base ${median(vsBase).toFixed(3)}` : '') +
        `  p50 ${median(mine.map((c) => c.p50)).toFixed(3)} ms`,
    );
  }
}
console.log(`\nload average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const p of peers) await p.stop();
await stopChild(mock.child);
await stopAll();
process.exit(0);
