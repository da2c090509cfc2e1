import { Pool } from 'undici';
import type { Config, ProviderConfig } from '../../config/schema.js';

export interface AnthropicProvider {
  type: 'anthropic';
  name: string;
  pool: Pool;
  /** Path prefix of base_url without trailing slash ('' for an origin). */
  basePath: string;
  /** The provider credential, as flat header pairs; lives only here, never logged. */
  credential: string[];
  timeoutMs: number;
  fingerprint: string;
}

export interface MockProvider {
  type: 'mock';
  name: string;
  latencyMs: number;
  fingerprint: string;
}

export type Provider = AnthropicProvider | MockProvider;

function fingerprint(p: ProviderConfig): string {
  return JSON.stringify(p);
}

export function createProvider(name: string, cfg: ProviderConfig, reuse?: Provider): Provider {
  const fp = fingerprint(cfg);
  if (reuse && reuse.fingerprint === fp) return reuse;
  if (cfg.type === 'mock') return { type: 'mock', name, latencyMs: cfg.latency_ms, fingerprint: fp };
  const url = new URL(cfg.base_url);
  const pool = new Pool(url.origin, {
    // null is undici's "no cap": a fixed cap silently queues the streams past it.
    connections: cfg.max_connections ?? null,
    connectTimeout: cfg.connect_timeout_ms,
    headersTimeout: cfg.timeout_ms,
    bodyTimeout: cfg.timeout_ms,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  });
  const credential = cfg.api_key ? ['x-api-key', cfg.api_key] : ['authorization', `Bearer ${cfg.auth_token ?? ''}`];
  return { type: 'anthropic', name, pool, basePath: url.pathname.replace(/\/+$/, ''), credential, timeoutMs: cfg.timeout_ms, fingerprint: fp };
}

/** Closes a provider's pool once its in-flight requests have finished (reload safety). */
export function retireProvider(p: Provider): void {
  if (p.type === 'anthropic') void p.pool.close().catch(() => undefined);
}

export type ProviderMap = Map<string, Provider>;

export function buildProviders(cfg: Config, previous?: ProviderMap): ProviderMap {
  const out: ProviderMap = new Map();
  for (const [name, pc] of Object.entries(cfg.providers)) out.set(name, createProvider(name, pc, previous?.get(name)));
  return out;
}
