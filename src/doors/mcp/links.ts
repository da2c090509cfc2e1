/**
 * The door side of upstream sessions: the one upstream session per server of a Warden
 * session, opened on first use for the caller's identity, its session-wide notifications
 * relayed (filtered) on the client's GET stream, its loss ending the Warden session.
 */
import { WardenError } from '../../core/errors.js';
import type { McpCtx } from './context.js';
import { outerName, outerUri } from './names.js';
import type { McpSession, SessionStore } from './sessions.js';
import type { CancelSignal } from './upstream/cancellation.js';
import type { JsonRpcNotification, UpstreamSession } from './upstream/index.js';
import { GRANT_KINDS, type ToolGrants } from './grants.js';
import { guardNotification } from './upstream-error.js';

/** Writes one server→client message on the session's GET stream, if it has one. */
export function pushToStream(s: McpSession, n: JsonRpcNotification): void {
  s.stream?.send(JSON.stringify({ jsonrpc: '2.0', method: n.method, ...(n.params ? { params: n.params } : {}) }));
}

/** Session-wide notifications of a server as the client may see them (names rewritten, others' dropped). */
function relayable(s: McpSession, grants: ToolGrants, server: string, n: JsonRpcNotification): JsonRpcNotification | undefined {
  switch (n.method) {
    // The client re-lists; what it then sees is filtered by its grants. Each kind only to a caller granted some of it.
    case 'notifications/tools/list_changed':
      return grants.reaches(server, 'tools') ? { method: n.method } : undefined;
    case 'notifications/prompts/list_changed':
      return grants.reaches(server, 'prompts') ? { method: n.method } : undefined;
    case 'notifications/resources/list_changed':
      return grants.reaches(server, 'resources') ? { method: n.method } : undefined;
    case 'notifications/resources/updated': {
      const uri = n.params?.uri;
      if (typeof uri !== 'string' || !grants.permits('resources', `${server}__${uri}`)) return undefined;
      return { method: n.method, params: { uri: outerUri(s.scope, server, uri) } };
    }
    case 'notifications/message':
      if (!GRANT_KINDS.some((k) => grants.reaches(server, k))) return undefined;
      return { method: n.method, params: { ...n.params, logger: outerName(s.scope, server, String(n.params?.logger ?? 'server')) } };
    default:
      return undefined;
  }
}

/** The last relay queued per session: notifications reach the GET stream in the order they came. */
const relays = new WeakMap<McpSession, Promise<void>>();

export async function upstreamOf(ctx: Pick<McpCtx, 'part' | 'session' | 'sessions' | 'grants' | 'gw'>, server: string, signal?: CancelSignal): Promise<UpstreamSession> {
  const { part, session: s, sessions } = ctx;
  const srv = part.servers.get(server);
  if (!srv) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `no MCP server named "${server}" under mcp.servers`);
  let link = s.upstreams.get(server);
  if (link && link.server !== srv) {
    // The server was reconfigured by a reload: its old session is gone with it.
    link.unsubscribe();
    void link.session.then((x) => x.close()).catch(() => undefined);
    s.upstreams.delete(server);
    link = undefined;
  }
  if (!link) {
    const opened = srv.open({ consumer: s.consumer.name }, { signal });
    const entry = { server: srv, session: opened, unsubscribe: () => undefined as void };
    s.upstreams.set(server, entry);
    let up: UpstreamSession;
    try {
      up = await opened;
    } catch (e) {
      if (s.upstreams.get(server) === entry) s.upstreams.delete(server);
      throw e;
    }
    const grants = ctx.grants;
    const gw = ctx.gw;
    const offN = up.onNotification((n) => {
      // No stream open, or its client behind: nothing is queued (no guard work, no memory) for it.
      if (!s.stream?.admit()) return;
      const r = relayable(s, grants, server, n);
      if (!r) return;
      // A log line is text the server chose: through the result guards first, in arrival order.
      const prior = relays.get(s) ?? Promise.resolve();
      const next = prior
        .then(async () => {
          const safe = await guardNotification({ snap: gw.current(), session: s, gw }, r);
          if (safe) pushToStream(s, safe);
        })
        .catch((e: unknown) => gw.log.warn('MCP notification not relayed', { server, error: String((e as Error)?.message ?? e).slice(0, 200) }));
      relays.set(s, next);
    });
    // Never half alive: an upstream session lost for good ends Warden's (the client gets 404 and re-initializes).
    const offL = up.onLost(() => sessions.end(s));
    entry.unsubscribe = () => (offN(), offL());
    if (s.ended) {
      entry.unsubscribe();
      void up.close().catch(() => undefined);
      throw new WardenError('WARDEN_E_MCP_SESSION_UNKNOWN', 'the MCP session ended; initialize a new one');
    }
    return up;
  }
  const up = await link.session;
  if (up.lost) {
    sessions.end(s);
    throw new WardenError('WARDEN_E_MCP_SESSION_LOST', `the session with MCP server "${server}" was lost; initialize a new MCP session`);
  }
  return up;
}
