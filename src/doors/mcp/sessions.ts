/**
 * Warden's MCP sessions (Streamable HTTP, 2025-11-25). One Warden session maps to at most
 * one upstream session per server, opened on first use with the credential held for the
 * caller's identity. A session is bound to the key (or token subject) that created it: an id
 * presented by anyone else is unknown (404), as is an expired one. When an upstream session
 * is lost for good, the Warden session ends too, so the client re-initializes: never half
 * alive (agentgateway #3622).
 */
import { randomBytes } from 'node:crypto';
import type { Consumer } from '../../core/exchange.js';
import type { EventStream } from './event-stream.js';
import type { Scope } from './names.js';
import type { UpstreamServer, UpstreamSession } from './upstream/index.js';

export interface McpSession {
  readonly id: string;
  /** Who created it: a key id or `oidc:<issuer>#<sub>`; every later request must be the same principal. */
  readonly principal: string;
  readonly consumer: Consumer;
  readonly scope: Scope;
  readonly protocolVersion: string;
  /** What the client declared in `initialize` (elicitation.url decides how an approval is delivered). */
  readonly clientCapabilities: Record<string, unknown>;
  lastUsed: number;
  /** Requests of this session still being answered: a busy session is never idle. */
  active: number;
  ended: boolean;
  /** The server→client stream (GET), if the client opened one. */
  stream: EventStream | undefined;
  readonly upstreams: Map<string, { server: UpstreamServer; session: Promise<UpstreamSession>; unsubscribe: () => void }>;
}

export class SessionStore {
  private readonly sessions = new Map<string, McpSession>();
  /** Live sessions per principal. */
  private readonly held = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  /** The session last (re)inserted: already last in `sessions`' order, so touching it again needs no re-insertion. */
  private newest: McpSession | undefined;

  constructor(private readonly opts: { idleMs: () => number; max: () => number; now?: () => number }) {
    this.timer = setInterval(() => this.sweep(), 10_000);
    this.timer.unref();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  create(init: Omit<McpSession, 'id' | 'lastUsed' | 'active' | 'ended' | 'stream' | 'upstreams'>): McpSession {
    // 32 random bytes: unguessable, visible ASCII as the transport requires.
    const s: McpSession = { ...init, id: randomBytes(32).toString('base64url'), lastUsed: this.now(), active: 0, ended: false, stream: undefined, upstreams: new Map() };
    this.sessions.set(s.id, s);
    this.newest = s;
    this.held.set(s.principal, (this.held.get(s.principal) ?? 0) + 1);
    while (this.sessions.size > this.opts.max()) this.end(this.evictable());
    return s;
  }

  /**
   * Over the cap, the least recently used session (Map order is insertion; `touch` re-inserts)
   * of the principal holding the most: one key opening sessions in a loop ends its own, never
   * everyone else's.
   */
  private evictable(): McpSession {
    let top = '';
    let most = 0;
    for (const [p, n] of this.held) if (n > most) (top = p), (most = n);
    for (const s of this.sessions.values()) if (s.principal === top) return s;
    return this.sessions.values().next().value!;
  }

  /** The live session with this id for this principal; undefined when unknown, expired or someone else's. */
  get(id: string, principal: string): McpSession | undefined {
    const s = this.sessions.get(id);
    if (!s || s.ended) return undefined;
    if (this.idle(s, this.now() - this.opts.idleMs())) {
      this.end(s);
      return undefined;
    }
    // A stolen id is indistinguishable from an unknown one to its presenter.
    if (s.principal !== principal) return undefined;
    return s;
  }

  touch(s: McpSession): void {
    s.lastUsed = this.now();
    // Three touches per request; a delete and set each churned the map's table (rehashes).
    if (s === this.newest) return;
    this.sessions.delete(s.id);
    this.sessions.set(s.id, s);
    this.newest = s;
  }

  /**
   * A request of the session starts being answered. Idleness counts from the end of the last
   * answer, not from its start: a tools/call held for minutes (an approval, a slow upstream
   * start) must not leave the session expired the moment it is answered.
   */
  begin(s: McpSession): void {
    s.active += 1;
    this.touch(s);
  }

  /** The request begun with `begin` is answered (or failed): the idle clock starts again. */
  done(s: McpSession): void {
    s.active = Math.max(0, s.active - 1);
    if (!s.ended) this.touch(s);
  }

  private idle(s: McpSession, cutoff: number): boolean {
    return s.active === 0 && s.lastUsed < cutoff;
  }

  /** Ends the session: upstream sessions closed, the GET stream ended. */
  end(s: McpSession): void {
    if (s.ended) return;
    s.ended = true;
    this.sessions.delete(s.id);
    if (this.newest === s) this.newest = undefined;
    const n = (this.held.get(s.principal) ?? 1) - 1;
    if (n > 0) this.held.set(s.principal, n);
    else this.held.delete(s.principal);
    for (const u of s.upstreams.values()) {
      u.unsubscribe();
      void u.session.then((x) => x.close()).catch(() => undefined);
    }
    s.upstreams.clear();
    s.stream?.end();
    s.stream = undefined;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const cutoff = this.now() - this.opts.idleMs();
    for (const s of [...this.sessions.values()]) if (this.idle(s, cutoff)) this.end(s);
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of [...this.sessions.values()]) this.end(s);
  }
}
