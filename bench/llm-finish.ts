/**
 * The end of an LLM exchange (issue 14): runtime/finish.ts as the gateway wires it — the
 * audit record built, serialised, HMAC-chained and written (a real keyed log in a temp
 * folder), the metrics, the usage batch — per exchange, with K exchanges finishing per
 * event-loop turn (the writer's once-per-turn HEAD write counted). K = 1: one connection;
 * K = 16: a busy proxy. CPU time per exchange, medians over interleaved rounds.
 * Run: `npx tsx bench/llm-finish.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { openAuditLog } from '../src/audit/chain-writer.js';
import { exchangeToRecord } from '../src/audit/from-exchange.js';
import type { Exchange } from '../src/core/exchange.js';
import { requestId } from '../src/core/ids.js';
import { createFinisher } from '../src/runtime/finish.js';
import { createLogger } from '../src/telemetry/log.js';
import { createWardenMetrics } from '../src/telemetry/warden-metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-finish-'));
const audit = openAuditLog({ dir, maxFileBytes: 1 << 30, hmacKey: 'bench-key-0123456789abcdef0123456789abcdef' });
const metrics = createWardenMetrics();
const finisher = createFinisher({ audit, toRecord: (ex, now) => exchangeToRecord(ex, now, {}), metrics, log: createLogger('error'), price: () => 0.000123, knownModel: () => true });
const consumer = { name: 'bench', groups: [], labels: {}, models: [] };
const key = { id: 'key_01BenchKeyAaBbCc', consumer: 'bench', models: [] };

/** A bare LLM exchange as the door leaves it for finish(). */
function exchange(): Exchange {
  return {
    id: requestId(), door: 'llm', start: Date.now(), startHr: process.hrtime.bigint(), method: 'POST', route: '/v1/messages',
    sessionId: '0b6c2f43-9d1e-4a55-8c39-2f3f0e6d1a77', consumer, key, model: 'claude-sonnet-4-5-20250929', stream: false,
    decision: { outcome: 'allow', rule: 'default:global.allow' }, provider: 'anthropic', status: 200, upstreamMs: 0.41,
    usage: { inputTokens: 312, outputTokens: 48, cacheReadTokens: 0, cacheWriteTokens: 0 }, tools: [],
  };
}

async function perExchange(k: number, turns: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let t = 0; t < turns; t++) {
    for (let i = 0; i < k; i++) finisher.finish(exchange());
    await turn();
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (k * turns);
}

const ks = [1, 16];
for (const k of ks) await perExchange(k, 20_000 / k);
const cpu: number[][] = ks.map(() => []);
for (let r = 0; r < 11; r++) for (const [i, k] of ks.entries()) cpu[i]!.push(await perExchange(k, 8_000 / k));
console.log(`finish() of a bare LLM exchange, keyed audit (node ${process.version}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
for (const [i, k] of ks.entries()) {
  const xs = cpu[i]!.sort((a, b) => a - b);
  console.log(`  ${String(k).padStart(2)} per turn: ${xs[xs.length >> 1]!.toFixed(2)} µs CPU per exchange (median of ${xs.length}; min ${xs[0]!.toFixed(2)}, max ${xs.at(-1)!.toFixed(2)})`);
}
audit.close();
rmSync(dir, { recursive: true, force: true });
