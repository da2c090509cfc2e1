/**
 * One wrk measurement: a fixed POST for a fixed time over N keep-alive connections, wrk
 * pinned to the load generator's CPU. wrk-post.lua prints the figures as one JSON line.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './proc.js';

const LUA = join(dirname(fileURLToPath(import.meta.url)), 'wrk-post.lua');

export interface WrkRun {
  url: string;
  bodyFile: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  cpu: number;
  /** Replaced in the body by a per-request counter (see wrk-post.lua). */
  turnMarker?: string;
}

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Socket errors, timeouts and answers other than 2xx/3xx. */
  errors: number;
  nonSuccess: number;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  status_errors: number;
  timeouts: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  mean_us: number;
}

export function parseWrkOutput(out: string): WrkResult {
  const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result line:\n${out}`);
  const j = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkJson;
  return {
    rps: j.requests / (j.duration_us / 1e6),
    requests: j.requests,
    p50Ms: j.p50_us / 1000,
    p90Ms: j.p90_us / 1000,
    p99Ms: j.p99_us / 1000,
    meanMs: j.mean_us / 1000,
    errors: j.connect_errors + j.read_errors + j.write_errors + j.timeouts + j.status_errors,
    nonSuccess: j.status_errors,
  };
}

export async function runWrk(r: WrkRun): Promise<WrkResult> {
  const headerArgs = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`);
  const args = ['-c', String(r.cpu), 'wrk', '-t1', `-c${r.connections}`, `-d${r.durationS}s`, '--timeout', '5s', '-s', LUA, r.url, '--', r.bodyFile, ...headerArgs];
  const env = { ...process.env, WRK_TURN_MARKER: r.turnMarker ?? '' };
  const out = await runCommand('taskset', args, { timeoutMs: (r.durationS + 30) * 1000, env });
  return parseWrkOutput(out);
}
