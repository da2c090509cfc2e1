/**
 * Two Warden replicas (two child processes, each its own Limiter and Redis connection)
 * share limits through the real Redis on this machine. The Lua admission is atomic, so
 * together they admit exactly the limit: the documented over-admission bound is 0.
 * This file is also the replica program: run with WARDEN_LIMITS_REPLICA=1 it serves
 * commands from its parent over IPC.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test, after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WardenError } from '../src/core/errors.js';
import { limitsSchema, type LimitsConfigInput } from '../src/limits/config.js';
import { Limiter, type Admission, type LimitContext, type MetricsSink } from '../src/limits/limiter.js';
import { RedisBackend } from '../src/limits/redis.js';
import type { TokenUsage } from '../src/limits/prices.js';
import { deleteRedisKeys, isListening, REDIS_URL, RedisHop, requireRedis } from './support/services.js';

type Command =
  | { cmd: 'init'; url: string; prefix: string; limits: LimitsConfigInput }
  | { cmd: 'check'; n: number; ctx: LimitContext; hold: boolean }
  | { cmd: 'settle'; usage: TokenUsage }
  | { cmd: 'exit' };
interface CheckReply {
  admitted: number;
  codes: Record<string, number>;
}

const ZERO: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

async function serveAsReplica(): Promise<void> {
  let limiter: Limiter | undefined;
  const held: Admission[] = [];
  const handle = async (c: Command): Promise<unknown> => {
    if (c.cmd === 'init') {
      const cfg = limitsSchema.parse(c.limits);
      limiter = new Limiter(cfg, await RedisBackend.connect({ url: c.url, keyPrefix: c.prefix, timeoutMs: 2000, connectTimeoutMs: 2000 }));
      return {};
    }
    if (c.cmd === 'check') {
      const results = await Promise.allSettled(Array.from({ length: c.n }, () => limiter!.check(c.ctx)));
      const reply: CheckReply = { admitted: 0, codes: {} };
      for (const r of results) {
        if (r.status === 'fulfilled') {
          reply.admitted++;
          if (c.hold) held.push(r.value);
          else await r.value.settle(ZERO);
        } else {
          const code = r.reason instanceof WardenError ? r.reason.code : String(r.reason);
          reply.codes[code] = (reply.codes[code] ?? 0) + 1;
        }
      }
      return reply;
    }
    if (c.cmd === 'settle') {
      await Promise.all(held.splice(0).map((a) => a.settle(c.usage)));
      return {};
    }
    await limiter?.close();
    process.exit(0);
  };
  process.on('message', (m: { seq: number; command: Command }) => {
    handle(m.command).then(
      (reply) => process.send!({ seq: m.seq, reply }),
      (e: unknown) => process.send!({ seq: m.seq, error: String(e) }),
    );
  });
}

/** The parent's handle on one replica process. */
class Replica {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;

  constructor() {
    const env: NodeJS.ProcessEnv = { ...process.env, WARDEN_LIMITS_REPLICA: '1' };
    delete env.NODE_TEST_CONTEXT; // the replica is a program, not a test file
    const file = fileURLToPath(import.meta.url);
    this.child = fork(file, [], { env, execArgv: file.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { seq: number; reply?: unknown; error?: string }) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m.reply);
    });
    this.child.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('replica exited'));
      this.waiting.clear();
    });
  }

  send<T>(command: Command): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ seq, command });
    });
  }

  check(n: number, ctx: LimitContext, hold = false): Promise<CheckReply> {
    return this.send<CheckReply>({ cmd: 'check', n, ctx, hold });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.send({ cmd: 'exit' }).catch(() => {});
    await Promise.race([exited, sleep(5000).then(() => this.child.kill('SIGKILL'))]);
  }
}

function recordingMetrics(): MetricsSink & { get(name: string, labels: Record<string, string>): number } {
  const counts = new Map<string, number>();
  return {
    inc: (name, labels, v = 1) => counts.set(name + JSON.stringify(labels), (counts.get(name + JSON.stringify(labels)) ?? 0) + v),
    get: (name, labels) => counts.get(name + JSON.stringify(labels)) ?? 0,
  };
}

const ctx = (keyId: string, estimatedInputTokens = 0): LimitContext => ({
  keyId,
  consumer: { name: `c-${keyId}`, groups: ['platform'], labels: {} },
  model: 'claude-sonnet-4-5',
  estimatedInputTokens,
});

if (process.env.WARDEN_LIMITS_REPLICA === '1') {
  await serveAsReplica();
} else {
  const prefix = `warden-test:${randomUUID().slice(0, 8)}:`;
  const limits: LimitsConfigInput = {
    backend: 'redis',
    lease_ttl: '1s',
    rules: [
      { id: 'rpm', scope: 'key', match: { consumers: ['c-rate*'] }, requests: { limit: 50, window: '1m' } },
      { id: 'daily', scope: 'key', match: { consumers: ['c-budget*'] }, requests_budget: { limit: 30, period: 'day' } },
      { id: 'tpm', scope: 'key', match: { consumers: ['c-tokens*'] }, tokens: { limit: 10_000, window: '1m' } },
      { id: 'conc', scope: 'consumer', match: { consumers: ['c-conc*'] }, concurrent: 5 },
    ],
  };

  after(async () => {
    if (await isListening(6379)) await deleteRedisKeys(REDIS_URL, prefix);
  });

  describe('limits shared by two replicas through Redis', { timeout: 60_000 }, () => {
    let a: Replica;
    let b: Replica;
    let ready = false;

    after(() => Promise.all([a?.stop(), b?.stop()]));

    test('start two replicas', async (t) => {
      const url = await requireRedis(t);
      if (!url) return;
      a = new Replica();
      b = new Replica();
      await Promise.all([a.send({ cmd: 'init', url, prefix, limits }), b.send({ cmd: 'init', url, prefix, limits })]);
      ready = true;
    });

    test('requests: 2 × 100 concurrent requests against a limit of 50 admit exactly 50', async (t) => {
      if (!ready) return t.skip('no replicas');
      const [ra, rb] = await Promise.all([a.check(100, ctx('rate-1')), b.check(100, ctx('rate-1'))]);
      t.diagnostic(`replica a admitted ${ra.admitted}, replica b ${rb.admitted}`);
      assert.equal(ra.admitted + rb.admitted, 50, `replica a ${ra.admitted}, replica b ${rb.admitted}`);
      assert.equal((ra.codes.WARDEN_E_RATE_LIMITED ?? 0) + (rb.codes.WARDEN_E_RATE_LIMITED ?? 0), 150);
    });

    test('request budget: 2 × 40 concurrent requests against a budget of 30 admit exactly 30', async (t) => {
      if (!ready) return t.skip('no replicas');
      const [ra, rb] = await Promise.all([a.check(40, ctx('budget-1')), b.check(40, ctx('budget-1'))]);
      assert.equal(ra.admitted + rb.admitted, 30);
      assert.equal((ra.codes.WARDEN_E_BUDGET_EXHAUSTED ?? 0) + (rb.codes.WARDEN_E_BUDGET_EXHAUSTED ?? 0), 50);
    });

    test('tokens: reservations and settlements on one replica bind the other', async (t) => {
      if (!ready) return t.skip('no replicas');
      assert.equal((await a.check(1, ctx('tokens-1', 6000), true)).admitted, 1);
      assert.deepEqual(await b.check(1, ctx('tokens-1', 5000)), { admitted: 0, codes: { WARDEN_E_RATE_LIMITED: 1 } });
      await a.send({ cmd: 'settle', usage: { ...ZERO, inputTokens: 2000, outputTokens: 500 } });
      assert.equal((await b.check(1, ctx('tokens-1', 7500), true)).admitted, 1, '2500 settled + 7500 = 10000');
      assert.equal((await a.check(1, ctx('tokens-1', 1))).admitted, 0);
      await b.send({ cmd: 'settle', usage: ZERO });
      // 2 × 50 concurrent reservations of 300 tokens into the 7500 left: exactly 25.
      const [ra, rb] = await Promise.all([a.check(50, ctx('tokens-1', 300), true), b.check(50, ctx('tokens-1', 300), true)]);
      assert.equal(ra.admitted + rb.admitted, 25, `replica a ${ra.admitted}, replica b ${rb.admitted}`);
      await Promise.all([a.send({ cmd: 'settle', usage: ZERO }), b.send({ cmd: 'settle', usage: ZERO })]);
    });

    test('concurrency: 5 slots across replicas; a killed replica’s slots free after the lease TTL', async (t) => {
      if (!ready) return t.skip('no replicas');
      const [ra, rb] = await Promise.all([a.check(20, ctx('conc-1'), true), b.check(20, ctx('conc-1'), true)]);
      assert.equal(ra.admitted + rb.admitted, 5);
      await a.send({ cmd: 'settle', usage: ZERO });
      assert.equal((await b.check(20, ctx('conc-1'), true)).admitted, ra.admitted, 'b gets exactly the slots a released');
      // b now holds all 5 and renews them; killing it stops the renewals.
      assert.equal((await a.check(1, ctx('conc-1'), true)).admitted, 0);
      b.child.kill('SIGKILL');
      await once(b.child, 'exit');
      await sleep(1300);
      assert.equal((await a.check(20, ctx('conc-1'), true)).admitted, 5, 'the dead replica’s 5 slots expired with their leases');
      await a.send({ cmd: 'settle', usage: ZERO });
    });
  });

  describe('when Redis is unreachable or hangs', { timeout: 30_000 }, () => {
    const rules: LimitsConfigInput['rules'] = [{ id: 'rpm', scope: 'key', requests: { limit: 100, window: '1m' } }];
    const make = async (port: number, mode: 'fail_closed' | 'fail_open', timeoutMs = 2000) => {
      const metrics = recordingMetrics();
      const cfg = limitsSchema.parse({ backend: 'redis', on_backend_error: mode, rules });
      const backend = await RedisBackend.connect({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix, timeoutMs, connectTimeoutMs: 500 });
      return { limiter: new Limiter(cfg, backend, metrics), backend, metrics };
    };
    const unavailable = (e: unknown): boolean => e instanceof WardenError && e.code === 'WARDEN_E_LIMITER_UNAVAILABLE' && e.status === 503;
    const errors = { backend: 'redis', op: 'admit' };

    test('a closed port: fail_closed refuses with 503 LIMITER_UNAVAILABLE, fail_open admits and counts it', async () => {
      const probe = createServer().listen(0, '127.0.0.1');
      await once(probe, 'listening');
      const port = (probe.address() as AddressInfo).port;
      await new Promise((r) => probe.close(r));
      assert.equal(await isListening(port), false);
      const closed = await make(port, 'fail_closed');
      const open = await make(port, 'fail_open');
      try {
        await assert.rejects(closed.limiter.check(ctx('down-1')), unavailable);
        assert.equal(closed.metrics.get('warden_limiter_backend_errors_total', errors), 1);
        const admitted = await open.limiter.check(ctx('down-1'));
        await admitted.settle(ZERO);
        assert.equal(open.metrics.get('warden_limiter_backend_errors_total', errors), 1);
        assert.equal(open.metrics.get('warden_limiter_fail_open_total', { backend: 'redis' }), 1);
      } finally {
        await Promise.all([closed.limiter.close(), open.limiter.close()]);
      }
    });

    test('Redis cut mid-run: each mode applies while it is gone, and limits resume when it is back', async (t) => {
      if (!(await requireRedis(t))) return;
      const hop = new RedisHop();
      await hop.start();
      const closed = await make(hop.port, 'fail_closed');
      const open = await make(hop.port, 'fail_open');
      try {
        await closed.limiter.check(ctx('cut-1'));
        await open.limiter.check(ctx('cut-1'));
        await hop.cut();
        await assert.rejects(closed.limiter.check(ctx('cut-1')), unavailable);
        await open.limiter.check(ctx('cut-1'));
        assert.equal(open.metrics.get('warden_limiter_fail_open_total', { backend: 'redis' }), 1);
        await hop.start(hop.port);
        for (let i = 0; i < 100 && !(closed.backend.connected && open.backend.connected); i++) await sleep(50);
        await closed.limiter.check(ctx('cut-1'));
        await open.limiter.check(ctx('cut-1'));
        assert.equal(open.metrics.get('warden_limiter_fail_open_total', { backend: 'redis' }), 1, 'no fail-open once Redis is back');
      } finally {
        await Promise.all([closed.limiter.close(), open.limiter.close()]);
        await hop.cut();
      }
    });

    test('Redis hangs: the round trip gives up after timeout_ms and the mode applies', async (t) => {
      if (!(await requireRedis(t))) return;
      const hop = new RedisHop();
      await hop.start();
      const closed = await make(hop.port, 'fail_closed', 100);
      const open = await make(hop.port, 'fail_open', 100);
      try {
        await closed.limiter.check(ctx('hang-1'));
        hop.stall();
        await assert.rejects(closed.limiter.check(ctx('hang-1')), unavailable);
        await open.limiter.check(ctx('hang-1'));
        assert.equal(open.metrics.get('warden_limiter_fail_open_total', { backend: 'redis' }), 1);
        hop.resume();
        await closed.limiter.check(ctx('hang-1'));
      } finally {
        await Promise.all([closed.limiter.close(), open.limiter.close()]);
        await hop.cut();
      }
    });
  });
}
