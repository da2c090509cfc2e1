/**
 * Upstream nodes of a route: one keep-alive undici Pool per node, smooth weighted
 * round-robin (nginx's algorithm: even spread, no bursts), and passive health — a node that
 * fails `failures` times in a row is skipped for `cooldown_ms`.
 */
import { Pool } from 'undici';
import type { UpstreamConfig } from './config.js';

export class UpstreamNode {
  readonly address: string;
  readonly pool: Pool;
  /** Consecutive failures; reset by any success. */
  private failures = 0;
  /** Until when (ms since epoch) the node is skipped. */
  downUntil = 0;

  constructor(
    readonly scheme: 'http' | 'https',
    readonly host: string,
    readonly port: number,
    readonly fingerprint: string,
    connections: number,
    connectMs: number,
    readMs: number,
  ) {
    this.address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.pool = new Pool(`${scheme}://${this.address}`, { connections, connectTimeout: connectMs, headersTimeout: readMs, bodyTimeout: readMs, keepAliveTimeout: 30_000 });
  }

  succeeded(): void {
    this.failures = 0;
  }

  /** Counts a failure; returns true when this one took the node out. */
  failed(threshold: number, cooldownMs: number, now: number): boolean {
    this.failures++;
    if (this.failures < threshold) return false;
    this.failures = 0;
    this.downUntil = now + cooldownMs;
    return true;
  }
}

interface Weighted {
  node: UpstreamNode;
  weight: number;
  current: number;
}

export class Balancer {
  private readonly items: Weighted[];
  private readonly total: number;

  constructor(
    readonly nodes: readonly { node: UpstreamNode; weight: number }[],
    readonly health: { failures: number; cooldownMs: number },
  ) {
    this.items = nodes.filter((n) => n.weight > 0).map((n) => ({ ...n, current: 0 }));
    this.total = this.items.reduce((s, n) => s + n.weight, 0);
  }

  /** The next node; healthy ones first. When every node is down, all are tried (APISIX does the same). */
  pick(now = Date.now()): UpstreamNode | undefined {
    const best = this.select(now, true) ?? this.select(now, false);
    return best?.node;
  }

  private select(now: number, healthyOnly: boolean): Weighted | undefined {
    let best: Weighted | undefined;
    let total = 0;
    for (const it of this.items) {
      if (healthyOnly && it.node.downUntil > now) continue;
      it.current += it.weight;
      total += it.weight;
      if (!best || it.current > best.current) best = it;
    }
    if (best) best.current -= total;
    return best;
  }

  get size(): number {
    return this.total;
  }
}

export type NodePool = Map<string, UpstreamNode>;

function parseNodes(cfg: UpstreamConfig): { host: string; port: number; weight: number }[] {
  if (Array.isArray(cfg.nodes)) return cfg.nodes;
  return Object.entries(cfg.nodes).map(([hp, weight]) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)), weight };
  });
}

/** Builds a route's balancer, reusing nodes (pools and health) of the previous config version when unchanged. */
export function buildBalancer(cfg: UpstreamConfig, previous: NodePool | undefined, next: NodePool): Balancer {
  const list = parseNodes(cfg).map(({ host, port, weight }) => {
    const fp = JSON.stringify([cfg.scheme, host, port, cfg.connections, cfg.timeout.connect_ms, cfg.timeout.read_ms]);
    let node = next.get(fp) ?? previous?.get(fp);
    if (!node) node = new UpstreamNode(cfg.scheme, host, port, fp, cfg.connections, cfg.timeout.connect_ms, cfg.timeout.read_ms);
    next.set(fp, node);
    return { node, weight };
  });
  return new Balancer(list, { failures: cfg.passive_health.failures, cooldownMs: cfg.passive_health.cooldown_ms });
}

/** Closes pools of nodes the next version no longer uses, once their requests are done. */
export function retireNodes(old: NodePool, next: NodePool): void {
  for (const [fp, n] of old) if (next.get(fp) !== n) void n.pool.close().catch(() => undefined);
}
