/** Which upstream role serves a consumer: a just-in-time grant's role, else the first `roles` entry listing one of its groups. */
import type { PostgresConfig } from './config.js';
import { StartupRefusal } from './client-startup.js';
import type { Authenticated } from './door.js';

export function upstreamCredentialFor(cfg: PostgresConfig, who: Authenticated): { user: string; password: string | undefined } {
  if (who.grant) {
    // The grant's role (reader, writer, dba) stands for the consumer groups of postgres.statements.roles.
    const groups = cfg.statements.roles[who.grant.role as keyof PostgresConfig['statements']['roles']] ?? [];
    const byGrant = cfg.roles.find((r) => r.groups.some((g) => groups.includes(g)));
    if (!byGrant) throw new StartupRefusal('28000', `grant ${who.grant.id} gives role ${who.grant.role}, which no postgres.roles entry serves (groups ${groups.join(', ') || 'none'})`);
    return { user: byGrant.user, password: byGrant.password };
  }
  const groups = who.consumer.groups;
  const hit = cfg.roles.find((r) => r.groups.some((g) => groups.includes(g)));
  if (hit) return { user: hit.user, password: hit.password };
  if (cfg.default_role === 'refuse') throw new StartupRefusal('28000', `consumer ${who.consumer.name} is in no group that postgres.roles maps to a database role`);
  return { user: cfg.upstream.user, password: cfg.upstream.password };
}
