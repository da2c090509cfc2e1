/**
 * Many slow streams at once: N concurrent SSE requests whose upstream answer trickles in
 * (one event every 250 ms, about 5 s a stream), each on its own connection, while the
 * proxy's peak RSS is sampled. A proxy that buffers, or queues streams behind a small
 * upstream pool, shows it here as late first bytes or a long wall time.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { Peer } from './peers.js';
import { UsageMeter } from './proc-stats.js';
import type { Scenario } from './scenarios.js';
import { percentile } from './stats.js';

export interface SlowStreamsResult {
  peer: string;
  streams: number;
  completed: number;
  failed: number;
  firstError?: string;
  rssBeforeMb: number;
  rssMaxMb: number;
  firstByteP50Ms: number;
  firstByteMaxMs: number;
  /** Most streams open at the same moment, counted from each one's first event to its end. */
  peakConcurrent: number;
  wallS: number;
}

/** Largest number of [from, to] intervals that overlap at one instant. */
export function peakOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([a, b]): [number, number][] => [[a, 1], [b, -1]]);
  // At equal times, close before open: touching intervals do not overlap.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}

export async function slowStreams(peer: Peer, s: Scenario, n: number): Promise<SlowStreamsResult> {
  const parsed = JSON.parse(readFileSync(s.bodyFile, 'utf8')) as Record<string, unknown>;
  const body = JSON.stringify({ ...parsed, stream: true, metadata: { user_id: 'bench_slow_stream' } });
  const agent = new Agent({ connections: n + 16, pipelining: 1, keepAliveTimeout: 10_000, bodyTimeout: 60_000, headersTimeout: 60_000 });
  const before = peer.pid ? new UsageMeter(peer.pid, 100) : undefined;
  const rssBeforeMb = before ? before.stop().rssMaxMb : 0;
  const meter = peer.pid ? new UsageMeter(peer.pid, 100) : undefined;
  const firstBytes: number[] = [];
  const lifetimes: [number, number][] = [];
  let completed = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const one = async () => {
    const start = performance.now();
    try {
      const res = await request(peer.url, { method: 'POST', dispatcher: agent, headers: { ...s.headers, ...peer.headers }, body });
      let firstAt = -1;
      let text = '';
      for await (const chunk of res.body) {
        if (firstAt < 0) {
          firstAt = performance.now();
          firstBytes.push(firstAt - start);
        }
        text += (chunk as Buffer).toString();
      }
      lifetimes.push([firstAt, performance.now()]);
      if (res.statusCode === 200 && text.includes('event: message_stop')) completed++;
      else throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 120)}`);
    } catch (e) {
      failed++;
      firstError ??= (e as Error).message;
    }
  };
  await Promise.race([Promise.all(Array.from({ length: n }, one)), new Promise((r) => setTimeout(r, 90_000))]);
  const wallS = (performance.now() - t0) / 1000;
  const usage = meter?.stop();
  await agent.destroy();
  return {
    peer: peer.name,
    streams: n,
    completed,
    failed,
    ...(firstError ? { firstError } : {}),
    rssBeforeMb,
    rssMaxMb: usage?.rssMaxMb ?? 0,
    firstByteP50Ms: percentile(firstBytes, 50),
    firstByteMaxMs: percentile(firstBytes, 100),
    peakConcurrent: peakOverlap(lifetimes),
    wallS,
  };
}
