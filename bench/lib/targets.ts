/**
 * The targets of BENCHMARKS.md, judged as ratios within one run. A target whose inputs were
 * not measured (peer missing, scenario skipped) is reported as not measured, never as met.
 */
import type { Summary } from './measure.js';
import type { SseProbeResult } from './probe.js';
import type { SlowStreamsResult } from './slow-streams.js';

export interface Target {
  name: string;
  measured: string;
  goal: string;
  met: boolean | undefined;
  /** A figure shown beside the targets to read them by, not a target itself. */
  info?: boolean;
}

export interface TargetInputs {
  summaries: Summary[];
  sse: SseProbeResult[];
  slow: SlowStreamsResult[];
  wardenPeers: string[];
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export function judgeTargets(x: TargetInputs): Target[] {
  const get = (peer: string, scenario: string, connections: number) => x.summaries.find((s) => s.peer === peer && s.scenario === scenario && s.connections === connections);
  const out: Target[] = [];
  const ratio = (name: string, a: string, b: string, min: number) => {
    const ra = get(a, 'small-json', 50)?.rps;
    const rb = get(b, 'small-json', 50)?.rps;
    const r = ra !== undefined && rb !== undefined && rb > 0 ? ra / rb : Number.NaN;
    out.push({ name, measured: Number.isFinite(r) ? `${fmt(r)} × (${fmt(ra!, 0)} / ${fmt(rb!, 0)} req/s)` : 'not measured', goal: `≥ ${min} ×`, met: Number.isFinite(r) ? r >= min : undefined });
  };
  const direct = get('direct', 'small-json', 50);
  const nginx = get('nginx', 'small-json', 50)?.rps;
  const firstWarden = x.wardenPeers[0] ? get(x.wardenPeers[0], 'small-json', 50) : undefined;
  if (direct && firstWarden) {
    const r = direct.rps / firstWarden.rps;
    out.push({ name: `the mock upstream alone is far faster than the proxy (direct vs ${firstWarden.peer}, 1 KB JSON, 50 conns)`, measured: `${fmt(r)} × (${fmt(direct.rps, 0)} / ${fmt(firstWarden.rps, 0)} req/s)`, goal: '≥ 2 ×', met: r >= 2 });
  }
  if (direct && nginx !== undefined) {
    const us = direct.cpuUsPerReq !== undefined ? `; the mock spends ${fmt(direct.cpuUsPerReq, 1)} µs of CPU per request` : '';
    out.push({ name: 'the mock upstream alone vs nginx (1 KB JSON, 50 conns)', measured: `${fmt(direct.rps / nginx)} ×${us}`, goal: 'for reading the nginx ratio: the mock shares nginx\'s core', met: undefined, info: true });
  }
  const naive = get('node-naive', 'small-json', 50)?.rps;
  if (naive !== undefined && nginx !== undefined) {
    out.push({ name: 'calibration: the naive Node proxy vs nginx (1 KB JSON, 50 conns)', measured: `${fmt(naive / nginx)} × (${fmt(naive, 0)} / ${fmt(nginx, 0)} req/s)`, goal: 'the brief saw ≈ 0.42 ×; Warden bare should beat it', met: undefined, info: true });
  }
  for (const w of x.wardenPeers) {
    const governed = w !== 'warden-bare';
    ratio(`${w} req/s vs nginx (1 KB JSON, 50 conns, pinned)`, w, 'nginx', governed ? 0.35 : 0.45);
    ratio(`${w} req/s vs Portkey (1 KB JSON, 50 conns, pinned)`, w, 'portkey', 8);
    const wc = get(w, 'small-json', 50)?.cpuUsPerReq;
    const nc = get('nginx', 'small-json', 50)?.cpuUsPerReq;
    if (wc !== undefined && nc !== undefined) {
      out.push({ name: `${w} CPU per request vs nginx (1 KB JSON, 50 conns): nginx µs ÷ Warden µs`, measured: `${fmt(nc / wc)} × (${fmt(wc, 1)} vs ${fmt(nc, 1)} µs/req)`, goal: 'the req/s ratio without the noise of a shared core', met: undefined, info: true });
    }
    const wp = get(w, 'small-json', 1)?.p50Ms;
    const dp = get('direct', 'small-json', 1)?.p50Ms;
    const limit = governed ? 0.3 : 0.15;
    out.push({
      name: `${w} added p50 latency at 1 connection (1 KB JSON)`,
      measured: wp !== undefined && dp !== undefined ? `${fmt(wp - dp, 3)} ms (${fmt(wp, 3)} vs direct ${fmt(dp, 3)})` : 'not measured',
      goal: `≤ ${limit} ms`,
      met: wp !== undefined && dp !== undefined ? wp - dp <= limit : undefined,
    });
    const ws = x.sse.find((s) => s.peer === w);
    const ds = x.sse.find((s) => s.peer === 'direct');
    out.push({
      name: `${w} SSE first byte vs direct (1 KB, 1 connection, p50)`,
      measured: ws && ds ? `+${fmt(ws.firstByteP50Ms - ds.firstByteP50Ms, 3)} ms (${fmt(ws.firstByteP50Ms, 3)} vs ${fmt(ds.firstByteP50Ms, 3)})` : 'not measured',
      goal: '≤ 1 ms later',
      met: ws && ds ? ws.firstByteP50Ms - ds.firstByteP50Ms <= 1 : undefined,
    });
    out.push({ name: `${w} streamed bytes identical to direct`, measured: ws ? (ws.identical ? `identical (${ws.samples} streams)` : 'DIFFERENT') : 'not measured', goal: 'identical', met: ws?.identical });
    const sl = x.slow.find((s) => s.peer === w);
    out.push({
      name: `${w} holds ${sl?.streams ?? 1000} concurrent slow streams`,
      measured: sl ? `${sl.completed}/${sl.streams} completed, at most ${sl.peakConcurrent} streaming at once, peak RSS ${fmt(sl.rssMaxMb, 0)} MB, ${fmt(sl.wallS, 1)} s wall` : 'not measured',
      // "Held" means at once: all N streams delivering events at the same moment, rather
      // than some waiting (e.g. for a free upstream connection) until others end.
      goal: 'all complete, all streaming at once, RSS < 300 MB',
      met: sl ? sl.completed === sl.streams && sl.peakConcurrent === sl.streams && sl.rssMaxMb < 300 : undefined,
    });
  }
  return out;
}
