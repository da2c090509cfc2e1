import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { openSqliteApprovals } from './approvals/sqlite.js';
import { openSqliteGrants } from './doors/postgres/grants/sqlite.js';
import { auditApprovalEvents } from './approvals/audit-relay.js';
import { openConfiguredAuditLog } from './audit/open-configured.js';
import { exchangeToRecord } from './audit/from-exchange.js';
import { createAdminHandler } from './admin/router.js';
import type { ConfigControl } from './admin/overlay-write.js';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.js';
import { withOverlay } from './config/overlay.js';
import type { Config } from './config/schema.js';
import { WardenError } from './core/errors.js';
import { createKey } from './identity/admin.js';
import { Identity } from './identity/identity.js';
import { costUsd } from './limits/prices.js';
import { prepareModelNameCheck } from './doors/llm/model-name.js';
import { llmPart } from './doors/llm/part.js';
import type { DoorListener } from './doors/door.js';
import { DOORS } from './doors/registry.js';
import { createFinisher } from './runtime/finish.js';
import type { Gateway } from './runtime/gateway.js';
import { limiterMetrics, limiterReady } from './runtime/limits.js';
import { buildSnapshot, closeSnapshot, retireSnapshot, type Snapshot, type SnapshotDeps } from './runtime/snapshot.js';
import { closeServer, listen } from './server/listen.js';
import { createMainHandler, handleClientError } from './server/main-handler.js';
import { openSqliteStore } from './store/sqlite.js';
import { createLogger, type Logger } from './telemetry/log.js';
import { createWardenMetrics } from './telemetry/warden-metrics.js';

export interface WardenOptions {
  /** YAML config file; without it the embedded default runs. */
  configPath?: string;
  /** An already validated config (tests); ignored when configPath is given. */
  config?: Config;
  log?: Logger;
  /** Reload when the config file changes (default true with a configPath). */
  watch?: boolean;
  /** `warden start --port/--host/--admin-port`: win over the file's `server` / `admin` on every load and reload. */
  server?: { port?: number; host?: string; adminPort?: number };
}

export interface Warden {
  url: string;
  adminUrl: string | undefined;
  /** URLs of the doors with their own listener (`postgres://127.0.0.1:6432`). */
  doorUrls: string[];
  gateway: Gateway;
  /** Set on a first start with an empty store: the one-time bootstrap key. */
  bootstrapKey: string | undefined;
  /** Re-reads the config file; a bad config is refused and the old one keeps serving. */
  reload(): { ok: true } | { ok: false; error: string };
  close(): Promise<void>;
}

export async function startWarden(opts: WardenOptions = {}): Promise<Warden> {
  const configPath = opts.configPath ? resolve(opts.configPath) : undefined;
  const o = opts.server ?? {};
  const override = (c: Config): Config => ({
    ...c,
    server: { ...c.server, ...(o.port !== undefined && { port: o.port }), ...(o.host !== undefined && { host: o.host }) },
    admin: { ...c.admin, ...(o.adminPort !== undefined && { port: o.adminPort }) },
  });
  const initial = override(configPath ? loadConfigFile(configPath) : (opts.config ?? defaultConfig()));
  const log = opts.log ?? createLogger(initial.logging.level);
  const baseDir = configPath ? dirname(configPath) : process.cwd();
  const store = openSqliteStore(resolve(baseDir, initial.store.path));
  const approvals = openSqliteApprovals(resolve(baseDir, initial.store.path));
  const grants = openSqliteGrants(resolve(baseDir, initial.store.path));
  const metrics = createWardenMetrics();
  const audit = openConfiguredAuditLog(initial.audit, baseDir, { log, events: metrics.auditEvents, headSetAside: metrics.auditHeadSetAside });
  prepareModelNameCheck();
  const snapshotDeps: SnapshotDeps = {
    log,
    httpLogger: { log, dropped: metrics.registry.counter('warden_httplog_dropped_total', 'http-logger entries dropped, by reason (queue_full, send_failed).', ['reason']) },
    limiterMetrics: limiterMetrics(metrics),
  };
  // Routes and policies written through the admin API live in the store, layered over the file.
  let fileConfig = initial;
  let snapshot: Snapshot = buildSnapshot(withOverlay(initial, store), undefined, snapshotDeps);
  await limiterReady(snapshot.limits, initial.limits.redis.connect_timeout_ms);
  const identity = new Identity(store, snapshot.consumers);
  // Discovery and JWKS off the request path: the first token does not wait, a down IdP is logged, not fatal.
  const onKeysLoaded = (issuer: string, error: string | undefined) => {
    metrics.oidcKeyLoads.inc([issuer, error === undefined ? 'ok' : 'failed']);
    if (error !== undefined) log.warn('OIDC issuer keys could not be loaded; keys already held keep verifying, unknown kids are refused', { issuer, error });
  };
  const installOidc = (issuers: Config['identity']['oidc']) => {
    const verifier = identity.setOidcIssuers(issuers, { onKeysLoaded });
    if (verifier) void verifier.warm();
  };
  installOidc(snapshot.config.identity.oidc);
  const captureMax = initial.audit.capture_bodies ? initial.audit.capture_max_bytes : undefined;
  const finisher = createFinisher({ audit, toRecord: (ex, now) => exchangeToRecord(ex, now, { maxBodyBytes: captureMax }), metrics, log, price: (model, ex) => (ex.usage ? costUsd(model, ex.usage) : 0), knownModel: (model) => snapshot.part(llmPart).routeModel(model) !== undefined });
  // The http-logger sees every finished exchange after its audit record is written.
  const finish = (ex: Parameters<typeof finisher.finish>[0]) => {
    finisher.finish(ex);
    snapshot.httpLogger?.push(ex);
  };
  const gateway: Gateway = { current: () => snapshot, identity, store, approvals, grants, metrics, log, finish };

  let ready = false;
  const release = async () => {
    await closeSnapshot(snapshot);
    audit.close();
    approvals.close();
    grants.close();
    store.close();
  };
  let main: Awaited<ReturnType<typeof listen>>;
  try {
    main = await listen(
      { host: initial.server.host, port: initial.server.port, tls: initial.server.tls, headersTimeoutMs: initial.server.headers_timeout_ms, keepAliveTimeoutMs: initial.server.keep_alive_timeout_ms, onError: (e) => gateway.log.error('main listener error', { error: String(e) }) },
      createMainHandler(gateway, () => ready),
    );
  } catch (e) {
    await release();
    throw listenError(e, 'server', initial.server, configPath);
  }
  main.server.on('clientError', (err, socket) => handleClientError(gateway, err, socket as import('node:net').Socket));
  const configControl: ConfigControl = {
    file: () => fileConfig,
    stage(next) {
      const old = snapshot;
      const built = buildSnapshot(next, old, snapshotDeps);
      return {
        commit() {
          if (snapshot !== old) throw new Error('the live snapshot changed while an admin write was staged');
          snapshot = built;
          identity.setConfigConsumers(built.consumers);
          retireSnapshot(old, built);
        },
        abort: () => retireSnapshot(built, old),
      };
    },
  };
  const adminHandler = createAdminHandler(gateway, configControl);
  let admin: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    admin = initial.admin.enabled
      ? await listen(
          { host: initial.admin.host, port: initial.admin.port, tls: initial.admin.tls, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, onError: (e) => gateway.log.error('admin listener error', { error: String(e) }) },
          (req, res) => void adminHandler(req, res),
        )
      : undefined;
  } catch (e) {
    await closeServer(main.server, 0);
    await release();
    throw listenError(e, 'admin', initial.admin, configPath);
  }

  // Doors with their own listener (non-HTTP protocols), in registry order.
  const doorListeners: DoorListener[] = [];
  try {
    for (const d of DOORS) {
      const l = d.listen ? await d.listen(gateway) : undefined;
      if (l) doorListeners.push(l);
    }
  } catch (e) {
    await Promise.all(doorListeners.map((l) => l.close().catch(() => undefined)));
    await Promise.all([closeServer(main.server, 0), admin ? closeServer(admin.server, 0) : undefined]);
    await release();
    throw e;
  }

  // Only once every listener is up: a start that fails (a busy port) must not leave behind
  // a key that was shown to no one.
  let bootstrapKey: string | undefined;
  if (initial.bootstrap_key && store.listKeys().length === 0) {
    if (!identity.consumer('local-dev')) store.upsertConsumer({ name: 'local-dev', groups: ['developers'], labels: { level: 'sandbox' }, models: [] });
    bootstrapKey = createKey(store, { consumer: 'local-dev', name: 'bootstrap' }).key;
  }

  // Off the request path: last-used times and usage rows reach the store in batches.
  const flush = () => {
    try {
      identity.flushLastUsed();
      store.addUsage(finisher.drainUsage());
    } catch (e) {
      log.error('store flush failed', { error: (e as Error).message });
    }
  };
  const flushTimer = setInterval(flush, 2000);
  flushTimer.unref();
  // Approvals answered with the CLI (another process, which cannot append to this log) reach the audit log here.
  const auditApprovals = () => auditApprovalEvents(approvals, finish).catch((e: Error) => log.error('approval audit failed', { error: e.message }));
  const approvalTimer = setInterval(() => void auditApprovals(), 1000);
  approvalTimer.unref();

  const reload = (): { ok: true } | { ok: false; error: string } => {
    if (!configPath) return { ok: false, error: 'no config file to reload (started on the built-in default)' };
    try {
      const next = override(loadConfigFile(configPath));
      const restartOnly = (['server', 'admin', 'store', 'audit'] as const).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(snapshot.config[k]));
      if (restartOnly.length) log.warn('config sections changed that apply only after a restart', { sections: restartOnly });
      const old = snapshot;
      snapshot = buildSnapshot(withOverlay(next, store), old, snapshotDeps);
      fileConfig = next;
      identity.setConfigConsumers(snapshot.consumers);
      installOidc(snapshot.config.identity.oidc);
      log.setLevel(next.logging.level);
      retireSnapshot(old, snapshot);
      metrics.configReloads.inc(['ok']);
      log.info('config reloaded', { file: configPath });
      return { ok: true };
    } catch (e) {
      metrics.configReloads.inc(['refused']);
      const error = e instanceof ConfigError ? e.message : String(e);
      log.error('config reload refused; the previous config keeps serving', { error });
      return { ok: false, error };
    }
  };

  let watcher: FSWatcher | undefined;
  if (configPath && opts.watch !== false) {
    let debounce: NodeJS.Timeout | undefined;
    // Watch the folder: editors replace files by rename, which a file watch would lose.
    watcher = watch(dirname(configPath), (_ev, name) => {
      if (name !== basename(configPath)) return;
      clearTimeout(debounce);
      debounce = setTimeout(reload, 150);
    });
    watcher.unref();
  }

  ready = true;
  log.info('warden listening', { url: main.url, admin: admin?.url ?? null, providers: [...snapshot.part(llmPart).providers.keys()], doors: doorListeners.map((l) => l.url) });

  return {
    url: main.url,
    adminUrl: admin?.url,
    doorUrls: doorListeners.map((l) => l.url),
    gateway,
    bootstrapKey,
    reload,
    async close() {
      ready = false;
      watcher?.close();
      clearInterval(flushTimer);
      await Promise.all([closeServer(main.server, 5000), admin ? closeServer(admin.server, 1000) : undefined, ...doorListeners.map((l) => l.close().catch(() => undefined))]);
      clearInterval(approvalTimer);
      flush();
      await auditApprovals();
      await release();
    },
  };
}

/** A listener that cannot bind: one line naming the setting and the flag that change it. */
function listenError(e: unknown, section: 'server' | 'admin', l: { host: string; port: number }, configPath: string | undefined): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const where = configPath ?? 'a warden.yaml (the built-in default runs now)';
  const flag = section === 'server' ? ' or `warden start --port N`' : ' or `warden start --admin-port N`';
  if (code === 'EADDRINUSE') return new WardenError('WARDEN_E_LISTEN_FAILED', `port ${l.port} on ${l.host} is already in use: set ${section}.port in ${where}${flag}`);
  if (code === 'EACCES') return new WardenError('WARDEN_E_LISTEN_FAILED', `no permission to listen on ${l.host}:${l.port}: set ${section}.port in ${where}${flag} to a port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new WardenError('WARDEN_E_LISTEN_FAILED', `cannot listen on ${l.host}: no such local address; set ${section}.host in ${where}${section === 'server' ? ' or `warden start --host ADDR`' : ''}`);
  return e as Error;
}
