/**
 * The MCP door's share of a snapshot: its config and the upstream servers. A server whose
 * settings did not change is carried over by a reload (its process and sessions live on);
 * a changed or removed one is closed, which ends the sessions on it.
 */
import { createLogger } from '../../telemetry/log.js';
import type { DoorPart } from '../door.js';
import type { McpDoorConfig } from './door-config.js';
import { GRANT_KINDS } from './grants.js';
import { sqlArgumentsFor, type SqlArguments } from './sql-arguments.js';
import { createUpstreams, type UpstreamServer } from './upstream/index.js';

export interface McpPart {
  readonly config: McpDoorConfig;
  readonly servers: ReadonlyMap<string, UpstreamServer>;
  /** The settings each server was built from, to decide reuse on reload. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** The checker of `sql` validators; undefined when none is configured (the parser is not loaded). */
  readonly sql: SqlArguments | undefined;
}

export const mcpPart: DoorPart<McpPart> = {
  id: 'mcp',
  check(config) {
    const problems: string[] = [];
    const names = new Set(Object.keys(config.mcp.servers));
    config.mcp.grants.forEach((g, i) =>
      GRANT_KINDS.forEach((kind) =>
        g[kind].forEach((t, j) => {
          const server = t.split('__', 1)[0]!;
          if (t.includes('__') && !/[*?]/.test(server) && !names.has(server)) problems.push(`mcp.grants[${i}].${kind}[${j}]: no MCP server named "${server}" under mcp.servers (have: ${[...names].join(', ') || 'none'})`);
        }),
      ),
    );
    return problems;
  },
  compile(config, previous, deps) {
    const servers = new Map<string, UpstreamServer>();
    const fingerprints = new Map<string, string>();
    const log = deps.log ?? createLogger('silent');
    for (const [name, cfg] of Object.entries(config.mcp.servers)) {
      const fp = JSON.stringify(cfg);
      const old = previous?.servers.get(name);
      servers.set(name, old && previous!.fingerprints.get(name) === fp ? old : createUpstreams({ servers: { [name]: cfg } }, { log }).get(name)!);
      fingerprints.set(name, fp);
    }
    const sql = previous?.sql && previous.config.validators === config.mcp.validators ? previous.sql : sqlArgumentsFor(config.mcp.validators);
    return { config: config.mcp, servers, fingerprints, sql };
  },
  retire(old, next) {
    for (const [name, s] of old.servers) if (next.servers.get(name) !== s) void s.close().catch(() => undefined);
  },
  async close(part) {
    await Promise.all([...part.servers.values()].map((s) => s.close().catch(() => undefined)));
  },
};
