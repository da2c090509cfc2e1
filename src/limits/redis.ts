/**
 * Redis backend: exact limits shared by every Warden replica. Each operation is one Lua
 * script (EVALSHA via ioredis defineCommand), so one round trip and atomic; every key
 * carries a TTL so idle counters vanish and a crashed replica's leases expire.
 */
import { Redis } from 'ioredis';
import type { AdmitResult, Adjustment, Charge, LimiterBackend, Refusal } from './backend.js';
import { ADMIT_LUA, RENEW_LUA, SETTLE_LUA } from './redis-scripts.js';

export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  /** Longest wait for one round trip. */
  timeoutMs: number;
  connectTimeoutMs: number;
}

type ScriptCall = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** Thrown when Redis cannot answer; the limiter turns it into fail-closed or fail-open. */
export class BackendUnavailableError extends Error {
  constructor(reason: string, cause?: unknown) {
    super(`limiter backend unavailable: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'BackendUnavailableError';
  }
}

const KIND = { window: 'r', counter: 'c', lease: 'l' } as const;

export class RedisBackend implements LimiterBackend {
  readonly name = 'redis' as const;
  private readonly redis: Redis;
  private readonly admitScript: ScriptCall;
  private readonly settleScript: ScriptCall;
  private readonly renewScript: ScriptCall;

  constructor(opts: RedisBackendOptions) {
    this.redis = new Redis(opts.url, {
      keyPrefix: opts.keyPrefix,
      commandTimeout: opts.timeoutMs,
      connectTimeout: opts.connectTimeoutMs,
      // Commands must not queue for long behind a dead connection: the request path waits on them.
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: true,
    });
    // Connection errors surface through the commands that fail; without a listener ioredis logs them raw.
    this.redis.on('error', () => {});
    this.redis.defineCommand('wardenAdmit', { lua: ADMIT_LUA });
    this.redis.defineCommand('wardenSettle', { lua: SETTLE_LUA });
    this.redis.defineCommand('wardenRenew', { lua: RENEW_LUA });
    const scripts = this.redis as unknown as Record<string, ScriptCall>;
    this.admitScript = scripts.wardenAdmit!.bind(this.redis);
    this.settleScript = scripts.wardenSettle!.bind(this.redis);
    this.renewScript = scripts.wardenRenew!.bind(this.redis);
  }

  /** Connects, waiting at most connectTimeoutMs; if Redis is down the backend keeps retrying in the background. */
  static async connect(opts: RedisBackendOptions): Promise<RedisBackend> {
    const backend = new RedisBackend(opts);
    await backend.start();
    return backend;
  }

  private starting: Promise<void> | undefined;

  /** Starts connecting (once); resolves when connected or when the first attempt failed (retries go on). */
  start(): Promise<void> {
    this.starting ??= this.redis.connect().catch(() => {});
    return this.starting;
  }

  /** Resolves when connected, or after timeoutMs at the latest. */
  async ready(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.redis.off('ready', done);
        resolve();
      };
      const t = setTimeout(done, timeoutMs);
      this.redis.once('ready', done);
    });
  }

  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  async admit(id: string, charges: readonly Charge[]): Promise<AdmitResult> {
    const keys: string[] = [];
    const args: (string | number)[] = [id];
    for (const c of charges) {
      keys.push(c.key, c.kind === 'window' ? `${c.key}:w` : c.key);
      if (c.kind === 'window') args.push(c.weighted ? 'w' : 'r', c.cost, c.limit, c.windowMs);
      else if (c.kind === 'counter') args.push(KIND.counter, c.cost, c.limit, c.expireAt ?? 0);
      else args.push(KIND.lease, 1, c.max, c.ttlMs);
    }
    const reply = (await this.call(this.admitScript, keys, args)) as number[];
    if (reply[0] === 1) return { ok: true };
    const refused: Refusal[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      refused.push({ index: reply[i]!, used: reply[i + 1]!, retryAfterMs: reply[i + 2]! });
    }
    return { ok: false, refused };
  }

  async settle(id: string, adjustments: readonly Adjustment[], leaseKeys: readonly string[]): Promise<void> {
    if (adjustments.length === 0 && leaseKeys.length === 0) return;
    const keys: string[] = [];
    const args: (string | number)[] = [id, adjustments.length];
    for (const a of adjustments) {
      if (a.kind === 'window') {
        keys.push(a.key, `${a.key}:w`);
        args.push('w', a.delta, a.actual, a.windowMs);
      } else {
        keys.push(a.key, a.key);
        args.push('c', a.delta, 0, a.expireAt ?? 0);
      }
    }
    keys.push(...leaseKeys);
    await this.call(this.settleScript, keys, args);
  }

  async renew(id: string, leaseKeys: readonly string[], ttlMs: number): Promise<void> {
    if (leaseKeys.length === 0) return;
    await this.call(this.renewScript, [...leaseKeys], [id, ttlMs]);
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private async call(script: ScriptCall, keys: string[], args: (string | number)[]): Promise<unknown> {
    // Fail fast while disconnected instead of queueing: the caller decides open or closed now.
    if (this.redis.status !== 'ready') throw new BackendUnavailableError(`redis ${this.redis.status}`);
    try {
      return await script(keys.length, ...keys, ...args);
    } catch (e) {
      throw new BackendUnavailableError(e instanceof Error ? e.message : 'redis error', e);
    }
  }
}
