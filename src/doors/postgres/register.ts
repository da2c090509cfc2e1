/** The PostgreSQL door as the registry sees it: its config section and its own listener. */
import type { Door, DoorListener } from '../door.js';
import type { Gateway } from '../../runtime/gateway.js';
import { siblingsOfThisWorker } from '../../runtime/workers/siblings.js';
import { createAuthenticator } from './auth.js';
import { postgresSchema, type PostgresConfig } from './config.js';
import { startPostgresDoor, type PostgresDoor } from './door.js';
import { catalogRows, columnCatalogQuery, createMasking, type Masking } from './mask/index.js';
import { compileStatementPolicy, type StatementPolicy, type StatementRole } from './policy/index.js';
import { activeGrant, grantEnded } from './grants/index.js';
import { loadSqlParser, SqlClassifier } from './sql/index.js';
import { createStatementPolicy } from './statement-policy.js';
import { doorCertificate, secureContextFor } from './tls.js';

export const postgresConfig = { postgres: postgresSchema.optional() } as const;

export const postgresDoor: Door<typeof postgresConfig> = {
  id: 'postgres',
  config: postgresConfig,
  // At the PostgreSQL door, `route.id` is the database name.
  routeIds: (config) => (config.postgres ? [{ noun: 'database', path: 'postgres.databases', ids: config.postgres.databases }] : []),
  listen: listenPostgres,
};

/** Compiled once per config version of the section (a reload builds new ones). */
function perVersion<T>(build: (cfg: PostgresConfig) => T): (cfg: PostgresConfig) => T {
  let last: { cfg: PostgresConfig; value: T } | undefined;
  return (cfg) => {
    if (last?.cfg !== cfg) last = { cfg, value: build(cfg) };
    return last.value;
  };
}

async function listenPostgres(gw: Gateway): Promise<DoorListener | undefined> {
  const initial = gw.current().config.postgres;
  if (!initial) return undefined;
  await loadSqlParser();
  const classifier = new SqlClassifier({ maxBytes: initial.statements.max_statement_bytes, cacheEntries: initial.statements.cache_entries });
  const live = () => gw.current().config.postgres ?? initial;
  const statements = perVersion<StatementPolicy>((c) => compileStatementPolicy(c.statements));
  const masking = perVersion<Masking>((c) => createMasking(c.masking));
  const keyChecked = new WeakMap<object, { stamp: string; snap: unknown }>();
  const door = await startPostgresDoor({
    config: initial,
    secureContext: secureContextFor(doorCertificate(initial, gw.current().config.audit.dir, (m, f) => gw.log.warn(m, f))),
    log: gw.log,
    finish: (ex) => gw.finish(ex),
    authenticate: createAuthenticator(gw.identity),
    async grantFor(consumer, database, now) {
      const g = await activeGrant(gw.grants, consumer, now, database);
      return g && { id: g.id, role: g.role, expires: g.expires };
    },
    grantEnded: (id, now) => grantEnded(gw.grants, id, now),
    keyEnded(s, now) {
      // Looked up again only when the store or the config changed since this login last held.
      const stamp = `${gw.store.version()}`;
      const snap = gw.current();
      const seen = keyChecked.get(s);
      if (seen && seen.stamp === stamp && seen.snap === snap) return null;
      const k = gw.store.getKey(s.key);
      if (!k) return { code: 'WARDEN_E_AUTH_INVALID', message: `API key ${s.key} no longer exists` };
      if (k.revokedAt !== null && k.revokedAt <= now) return { code: 'WARDEN_E_AUTH_REVOKED', message: `API key ${k.id} was revoked at ${new Date(k.revokedAt).toISOString()}` };
      const c = gw.identity.consumer(s.consumer);
      if (!c) return { code: 'WARDEN_E_AUTH_CONSUMER_UNKNOWN', message: `consumer ${s.consumer} no longer exists` };
      if (c.groups.length !== s.groups.length || c.groups.some((g, i) => g !== s.groups[i])) return { code: 'WARDEN_E_AUTH_CONSUMER_CHANGED', message: `the groups of consumer ${s.consumer} changed (they chose this session's role)` };
      if (JSON.stringify(c.labels) !== s.labels) return { code: 'WARDEN_E_AUTH_CONSUMER_CHANGED', message: `the labels of consumer ${s.consumer} changed (policy rules read them)` };
      // A revocation set for later (a rotation's grace) is looked at every time.
      if (k.revokedAt === null) keyChecked.set(s, { stamp, snap });
      return null;
    },
    siblings: siblingsOfThisWorker(),
    async sessionParts(ctx, query) {
      const m = masking(live());
      let masker;
      if (m.enabled) {
        const columns = await m.resolve(async (refs) => catalogRows(await query(columnCatalogQuery(refs))));
        if (columns.missing.length) gw.log.warn('postgres masking: configured columns not found in the database', { database: ctx.database, missing: columns.missing });
        masker = m.forSession(columns) ?? undefined;
      }
      const policy = createStatementPolicy({
        classifier,
        statements: () => statements(live()),
        policy: () => gw.current().policy,
        approvals: gw.approvals,
        gate: () => gw.current().policy.approvals,
        consumer: ctx.consumer,
        key: ctx.key,
        database: ctx.database,
        route: ctx.route,
        grant: ctx.grant ? { id: ctx.grant.id, role: ctx.grant.role as StatementRole, expires: ctx.grant.expires } : null,
        remote: ctx.remote,
        session: ctx.session,
        masker,
      });
      return { policy, masker };
    },
  });
  return {
    url: `postgres://${door.host}:${door.port}`,
    close: () => door.close(),
  };
}
