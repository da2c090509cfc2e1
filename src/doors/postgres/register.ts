/** The PostgreSQL door as the registry sees it: its config section and its own listener. */
import type { Door, DoorListener } from '../door.js';
import type { Gateway } from '../../runtime/gateway.js';
import { createAuthenticator } from './auth.js';
import { postgresSchema } from './config.js';
import { decideStatement } from './decide.js';
import { startPostgresDoor, type PostgresDoor } from './door.js';
import { loadSqlParser, SqlClassifier } from './sql/index.js';
import { createStatementPolicy } from './statement-policy.js';
import { secureContextFor } from './tls.js';

export const postgresConfig = { postgres: postgresSchema.optional() } as const;

export const postgresDoor: Door<typeof postgresConfig> = {
  id: 'postgres',
  config: postgresConfig,
  // At the PostgreSQL door, `route.id` is the database name.
  routeIds: (config) => (config.postgres ? [{ noun: 'database', path: 'postgres.databases', ids: config.postgres.databases }] : []),
  listen: listenPostgres,
};

/** The running door of the process, for the grants expiry sweep and tests. */
export let runningPostgresDoor: PostgresDoor | undefined;

async function listenPostgres(gw: Gateway): Promise<DoorListener | undefined> {
  const cfg = gw.current().config.postgres;
  if (!cfg) return undefined;
  await loadSqlParser();
  const classifier = new SqlClassifier();
  const door = await startPostgresDoor({
    config: cfg,
    secureContext: secureContextFor(cfg.tls),
    log: gw.log,
    finish: (ex) => gw.finish(ex),
    authenticate: createAuthenticator(gw.identity, undefined),
    policyFor: (ctx) =>
      createStatementPolicy({
        decide: (sql) => decideStatement(classifier, () => gw.current().policy, ctx, sql),
        approvals: gw.approvals,
        gate: () => gw.current().policy.approvals,
        database: ctx.database,
      }),
    maskerFor: () => undefined,
  });
  runningPostgresDoor = door;
  return {
    url: `postgres://${door.host}:${door.port}`,
    async close() {
      runningPostgresDoor = undefined;
      await door.close();
    },
  };
}
