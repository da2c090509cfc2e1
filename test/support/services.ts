/**
 * Real services the tests use (Redis, PostgreSQL on this machine). A test that needs one
 * calls requireRedis(t) / requirePostgres(t): locally a missing service skips the test,
 * in CI (CI=true) it fails it, so a broken CI service never passes silently.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

const probes = new Map<number, Promise<boolean>>();

/** True when something accepts TCP connections on 127.0.0.1:port (answer cached per process). */
export function isListening(port: number, timeoutMs = 1000): Promise<boolean> {
  let p = probes.get(port);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    probes.set(port, p);
  }
  return p;
}

async function requireService(t: TestContext, name: string, port: number, url: string): Promise<string | undefined> {
  if (await isListening(port)) return url;
  if (process.env.CI === 'true') assert.fail(`${name} is not reachable on 127.0.0.1:${port}; CI must provide it (tests never skip it in CI)`);
  t.skip(`${name} not running`);
  return undefined;
}

export function requireRedis(t: TestContext): Promise<string | undefined> {
  return requireService(t, 'redis', 6379, REDIS_URL);
}

export function requirePostgres(t: TestContext): Promise<string | undefined> {
  return requireService(t, 'postgres', 5432, POSTGRES_URL);
}

/** Deletes every key under a test run's prefix; returns how many went. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true });
  try {
    await r.connect();
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) n += await r.del(...keys);
    } while (cursor !== '0');
    return n;
  } finally {
    r.disconnect();
  }
}

/** A TCP hop between a limiter and Redis that the test can stall or cut, as a network would. */
export class RedisHop {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stalled: { socket: Socket; upstream: Socket; chunks: Buffer[] }[] | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((socket) => {
      const upstream = connect({ host: '127.0.0.1', port: 6379 });
      const entry = { socket, upstream, chunks: [] as Buffer[] };
      this.sockets.add(socket).add(upstream);
      socket.on('data', (d: Buffer) => (this.stalled ? entry.chunks.push(d) && this.stalled.push(entry) : upstream.write(d)));
      upstream.on('data', (d: Buffer) => socket.write(d));
      const close = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Hold bytes instead of forwarding them (Redis looks hung); resume() delivers them in order. */
  stall(): void {
    this.stalled = [];
  }

  resume(): void {
    const held = this.stalled ?? [];
    this.stalled = undefined;
    for (const e of new Set(held)) for (const c of e.chunks.splice(0)) e.upstream.write(c);
  }

  /** Redis goes away: connections cut, port closed. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
