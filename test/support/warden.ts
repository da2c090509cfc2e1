/**
 * Starts a real Warden in this process for a test: its own temp folder (SQLite store and
 * audit files), listeners on 127.0.0.1:0, logs silenced, and helpers to mint keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWarden, type Warden } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createKey } from '../../src/identity/admin.js';
import { createLogger } from '../../src/telemetry/log.js';

export interface TestWarden {
  warden: Warden;
  url: string;
  adminUrl: string;
  dir: string;
  auditDir: string;
  /** Creates a consumer in the store (if missing) and returns a fresh key for it. */
  key(consumer?: string, opts?: { models?: string[]; expiresAt?: number; labels?: Record<string, string>; groups?: string[] }): { key: string; id: string };
  close(): Promise<void>;
}

/**
 * Guards are on by default (secrets redact, PII log, tool-use defaults). Tests of byte-exact
 * forwarding or of raw throughput turn them off with this, explicitly, as an operator would.
 */
export const GUARDS_OFF = { secrets: { enabled: false }, pii: { enabled: false }, tool_use: { enabled: false } } as const satisfies ConfigInput['guards'];

export function anthropicUpstreamConfig(upstreamUrl: string, extra: Partial<{ timeout_ms: number }> = {}): ConfigInput['providers'] {
  return { anthropic: { type: 'anthropic', base_url: upstreamUrl, api_key: 'sk-ant-api03-real-provider-key-held-by-warden', ...extra } };
}

/** The LLM door's usual test set-up: that upstream as provider `anthropic`, every `claude-*` model routed to it. */
export function claudeViaUpstream(upstreamUrl: string): Pick<ConfigInput, 'providers' | 'models'> {
  return { providers: anthropicUpstreamConfig(upstreamUrl), models: [{ match: 'claude-*', provider: 'anthropic' }] };
}

export async function startTestWarden(config: ConfigInput = {}, opts: { dir?: string } = {}): Promise<TestWarden> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'warden-test-'));
  const cfg = validateConfig({
    bootstrap_key: false,
    ...config,
    server: { port: 0, ...config.server },
    admin: { port: 0, ...config.admin },
    store: { driver: 'sqlite', path: join(dir, 'warden.db') },
    audit: { dir: join(dir, 'audit'), ...config.audit },
    logging: { level: 'silent' },
  });
  const warden = await startWarden({ config: cfg, log: createLogger('silent') });
  const store = warden.gateway.store;
  return {
    warden,
    url: warden.url,
    adminUrl: warden.adminUrl ?? '',
    dir,
    auditDir: join(dir, 'audit'),
    key(consumer = 'dev', o = {}) {
      if (!warden.gateway.identity.consumer(consumer)) store.upsertConsumer({ name: consumer, groups: o.groups ?? [], labels: o.labels ?? {}, models: [] });
      const created = createKey(store, { consumer, models: o.models ?? [], expiresAt: o.expiresAt ?? null });
      return { key: created.key, id: created.record.id };
    },
    async close() {
      await warden.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
