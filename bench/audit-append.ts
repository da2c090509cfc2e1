/**
 * Audit append micro-benchmark: cost per record of openAuditLog(...).append(), as a server
 * sees it — K records finish in one event-loop turn, then the loop turns (which is when
 * the writer's once-per-turn work runs). K = 1 is a lightly loaded gateway, K = 16 a busy
 * one (several exchanges finish per poll phase), K = 1000 a burst.
 * Run: npx tsx bench/audit-append.ts [fsync=never|always] [keyed]
 * (`keyed`: HMAC-SHA-256, as the gateway writes by default.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { openAuditLog } from '../src/audit/chain-writer.js';
import type { AuditRecord } from '../src/audit/types.js';

const fsync = process.argv.includes('fsync=always') ? 'always' : 'never';
const hmacKey = process.argv.includes('keyed') ? 'bench-key-0123456789abcdef0123456789abcdef' : undefined;

function record(i: number): AuditRecord {
  return {
    time: new Date(1_773_151_200_000 + i).toISOString(),
    request_id: `req_bench${String(i).padStart(8, '0')}`,
    door: 'llm',
    method: 'POST',
    route: '/v1/messages',
    consumer: 'agent-7',
    key_id: 'key_bench',
    session_id: 'sess-1',
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    decision: 'allow',
    rule: null,
    reason: null,
    status: 200,
    error_code: null,
    tokens_in: 51_234,
    tokens_out: 812,
    cost_usd: 0.165882,
    latency_ms: 2345.678,
    upstream_latency_ms: 2340.1,
    tools: ['Bash', 'Read'],
    client_aborted: false,
  };
}

interface Sample {
  /** Inside append() only: what the request path pays. */
  call: number;
  /** Wall and CPU per record including the turn's end, where HEAD (and fsync) happen now. */
  wall: number;
  cpu: number;
}

async function measure(perTurn: number, turns: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-audit-'));
  const log = openAuditLog({ dir, maxFileBytes: 64 * 1024 * 1024, fsync, hmacKey });
  try {
    let i = 0;
    const run = async (n: number): Promise<number> => {
      let callNs = 0n;
      for (let t = 0; t < n; t++) {
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < perTurn; k++) log.append(record(i++));
        callNs += process.hrtime.bigint() - t0;
        await turn();
      }
      return Number(callNs);
    };
    await run(Math.max(1, Math.floor(turns / 10))); // warm-up
    const samples: Sample[] = [];
    const rounds = 25;
    const per = Math.max(1, Math.floor(turns / rounds));
    const n = per * perTurn;
    for (let s = 0; s < rounds; s++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const callNs = await run(per);
      const wall = Number(process.hrtime.bigint() - t0) / n / 1000;
      const c = process.cpuUsage(c0);
      samples.push({ call: callNs / n / 1000, wall, cpu: (c.user + c.system) / n });
    }
    const med = (k: keyof Sample) => samples.map((x) => x[k]).sort((a, b) => a - b)[samples.length >> 1]!.toFixed(2).padStart(7);
    console.log(`${`${perTurn} record(s) per turn`.padEnd(24)} append() ${med('call')} µs   per record incl. end of turn: wall ${med('wall')} µs, cpu ${med('cpu')} µs   [medians of ${rounds}×${n}]`);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const records = fsync === 'always' ? 2_000 : 100_000;
console.log(`audit append, fsync: ${fsync}, ${hmacKey ? 'keyed' : 'unkeyed'} (node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
for (const k of [1, 16, 1000]) await measure(k, Math.ceil(records / k));
