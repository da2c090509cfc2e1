/**
 * The interleaved measurement matrix: for every round, scenario and connection count, each
 * peer in turn (the order rotated every round, so no peer always runs right after another),
 * with the proxy's CPU and peak RSS sampled while wrk runs. Medians come from summarize().
 */
import type { Options } from './options.js';
import type { Peer } from './peers.js';
import { UsageMeter, type Usage } from './proc-stats.js';
import type { Scenario, ScenarioId } from './scenarios.js';
import { median } from './stats.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface Cell {
  scenario: ScenarioId;
  connections: number;
  peer: string;
  round: number;
  wrk: WrkResult;
  usage?: Usage;
}

export interface Summary {
  scenario: ScenarioId;
  connections: number;
  peer: string;
  rounds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuPercent?: number;
  /** The proxy's own CPU time per request (median over rounds). */
  cpuUsPerReq?: number;
  rssMaxMb?: number;
  errors: number;
}

type Log = (line: string) => void;

async function measureOne(peer: Peer, s: Scenario, connections: number, durationS: number, loadCpu: number): Promise<{ wrk: WrkResult; usage?: Usage }> {
  const meter = peer.pid ? new UsageMeter(peer.pid) : undefined;
  const wrk = await runWrk({ url: peer.url, bodyFile: s.bodyFile, headers: { ...s.headers, ...peer.headers }, connections, durationS, cpu: loadCpu, ...(s.turnMarker ? { turnMarker: s.turnMarker } : {}) });
  return meter ? { wrk, usage: meter.stop() } : { wrk };
}

/** Short runs that let each peer's JIT and connection pools settle before anything counts. */
export async function warmUp(peers: Peer[], scenarios: Scenario[], supported: (p: Peer, s: Scenario) => boolean, o: Options, log: Log): Promise<void> {
  for (const s of scenarios) {
    for (const p of peers) {
      if (!supported(p, s)) continue;
      await measureOne(p, s, 50, o.warmupS, o.loadCpu);
    }
    log(`warm-up ${s.id} done`);
  }
}

export async function measureMatrix(peers: Peer[], scenarios: Scenario[], supported: (p: Peer, s: Scenario) => boolean, o: Options, log: Log): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
    for (const s of scenarios) {
      for (const connections of o.connections) {
        if (connections === 1 && !o.oneConnScenarios.includes(s.id)) continue;
        for (const p of order) {
          if (!supported(p, s)) continue;
          const m = await measureOne(p, s, connections, o.durationS, o.loadCpu);
          cells.push({ scenario: s.id, connections, peer: p.name, round, ...m });
          const u = m.usage ? `  cpu ${m.usage.cpuPercent.toFixed(0)}%  rss ${m.usage.rssMaxMb.toFixed(0)} MB` : '';
          log(`round ${round + 1}/${o.rounds}  ${s.id.padEnd(10)} c=${String(connections).padEnd(2)} ${p.name.padEnd(16)} ${m.wrk.rps.toFixed(0).padStart(6)} req/s  p50 ${m.wrk.p50Ms.toFixed(3)} ms  p99 ${m.wrk.p99Ms.toFixed(2)} ms${m.wrk.errors ? `  ERRORS ${m.wrk.errors}` : ''}${u}`);
        }
      }
    }
  }
  return cells;
}

export function summarize(cells: Cell[]): Summary[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const k = `${c.scenario}|${c.connections}|${c.peer}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const usages = g.flatMap((c) => (c.usage ? [c.usage] : []));
    return {
      scenario: g[0]!.scenario,
      connections: g[0]!.connections,
      peer: g[0]!.peer,
      rounds: g.length,
      rps: median(g.map((c) => c.wrk.rps)),
      p50Ms: median(g.map((c) => c.wrk.p50Ms)),
      p99Ms: median(g.map((c) => c.wrk.p99Ms)),
      ...(usages.length
        ? {
            cpuPercent: median(usages.map((u) => u.cpuPercent)),
            cpuUsPerReq: median(g.flatMap((c) => (c.usage && c.wrk.rps > 0 ? [(c.usage.cpuPercent / 100 / c.wrk.rps) * 1e6] : []))),
            rssMaxMb: Math.max(...usages.map((u) => u.rssMaxMb)),
          }
        : {}),
      errors: g.reduce((n, c) => n + c.wrk.errors, 0),
    };
  });
}
