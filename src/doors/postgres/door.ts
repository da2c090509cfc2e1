/**
 * The PostgreSQL door: its own TCP listener. Per connection: the client handshake
 * (client-startup.ts), Warden's authentication of the agent, the mapping of its groups to
 * an upstream role, Warden's own login upstream (upstream.ts), then the relay (session.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import { randomBase62 } from '../../core/ids.js';
import type { Logger } from '../../telemetry/log.js';
import type { Exchange } from '../../core/exchange.js';
import type { Siblings } from '../../runtime/workers/siblings.js';
import { CancelKeys } from './cancel.js';
import { clientHandshake, refuse, StartupRefusal } from './client-startup.js';
import type { PostgresConfig } from './config.js';
import type { StatementPolicy } from './ports.js';
import type { ResultMasker } from './mask/index.js';
import { armDeadlines, sessionDeadlines, type Deadline } from './deadlines.js';
import { createRecorder } from './recorder.js';
import { Session } from './session.js';
import { connectUpstream, upstreamQuery, UpstreamError } from './upstream.js';
import { resolveUpstreamTls } from './upstream-tls.js';
import { authRequest, backendKeyData, parameterStatus, readyForQuery, type TxStatus } from './wire/build.js';
import { upstreamCredentialFor } from './roles.js';

export interface Authenticated {
  consumer: Consumer;
  key: KeyInfo | undefined;
  /** Set when a just-in-time grant admits the consumer: its id, role and end. */
  grant?: { id: string; role: string; expires: number };
  /** Set when the credential stops being accepted at some moment (an OIDC token's exp, a key's expiry). */
  credential?: { expires: number; what: string; code: string };
  /** The credential was an OIDC access token (its claims hold until exp); else a Warden key. */
  token?: boolean;
}

export interface SessionContext {
  session: string;
  consumer: Consumer;
  key: KeyInfo | undefined;
  database: string;
  /** The database as the client named it (one of postgres.databases): the policy's `route.id`. */
  route: string;
  upstreamRole: string;
  remote: string;
  grant: Authenticated['grant'];
}

export interface PostgresDoorDeps {
  config: PostgresConfig;
  secureContext: SecureContext | undefined;
  log: Logger;
  finish: (ex: Exchange) => void;
  /** Verifies the password the client sent (a Warden key or an OIDC token); throws StartupRefusal. */
  authenticate(password: string, user: string, now: number): Promise<Authenticated>;
  /** The just-in-time grant the consumer holds for this database now, if any. */
  grantFor?(consumer: string, database: string, now: number): Promise<Authenticated['grant']>;
  /** Why a session's grant no longer holds (revoked, expired), or null. Checked every second. */
  grantEnded?(id: string, now: number): Promise<string | null>;
  /**
   * Why a key session's login no longer holds (the key revoked or gone, the consumer gone or
   * its groups or labels changed — they chose the session's role and policy), or null. Checked every second.
   */
  keyEnded?(s: { key: string; consumer: string; groups: readonly string[]; labels: string }, now: number): { code: string; message: string } | null;
  /**
   * The session's statement policy and masker; `query` runs a catalog query on the session's
   * upstream connection (column rules resolve to table OIDs per database).
   */
  sessionParts(ctx: SessionContext, query: (sql: string) => Promise<(string | null)[][]>): Promise<{ policy: StatementPolicy; masker: ResultMasker | undefined }>;
  /**
   * The other worker processes under `warden start --workers N` (absent in one process). A
   * CancelRequest comes on a new connection, which the cluster may hand to a worker that does
   * not hold the session: that worker asks the others, and the one holding it cancels.
   */
  siblings?: Siblings;
}

export interface PostgresDoor {
  host: string;
  port: number;
  /** Live sessions, by session id. */
  sessions(): { id: string; consumer: string; grant: string | undefined; session: Session }[];
  /** Ends every live session of a consumer with FATAL (a grant expired or was revoked). */
  endSessions(match: (s: { consumer: string; grant: string | undefined }) => boolean, sqlstate: string, reason: string): number;
  close(): Promise<void>;
}

interface LiveSession {
  id: string;
  consumer: string;
  grant: string | undefined;
  /** A key login: the key id, and the groups and labels (as JSON) the session was set up with. */
  login?: { key: string; consumer: string; groups: readonly string[]; labels: string };
  session: Session;
  /** Ends the session with FATAL, recorded in its transcript. */
  end(d: Ending): void;
  /** Cancels the grant / credential expiry timer. */
  disarm?: () => void;
}

type Ending = Omit<Deadline, 'at'>;

/** How often the door looks whether keys or consumers moved (the store's own poll is DATA_VERSION_MS, 100 ms). */
const CHECK_MS = 100;
/** Every live session's grant is rechecked this often (a grant revoked). */
const RECHECK_MS = 1_000;

/** The question a worker puts to the others for a cancel key it does not hold. */
const CANCEL_TOPIC = 'postgres-cancel';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export async function startPostgresDoor(deps: PostgresDoorDeps): Promise<PostgresDoor> {
  const cfg = deps.config;
  const cancels = new CancelKeys();
  const live = new Map<string, LiveSession>();
  const sockets = new Set<Socket>();
  const upstreamTls = resolveUpstreamTls(cfg.upstream.host, cfg.upstream.tls);
  // Another worker's miss: matched here in constant time like a local one (cancel.ts), never asked on.
  const stopAnswering = deps.siblings?.answer(CANCEL_TOPIC, (d) => {
    const c = d as { pid?: unknown; key?: unknown } | null;
    return typeof c?.pid === 'number' && typeof c.key === 'string' && cancels.cancel(c.pid, Buffer.from(c.key, 'base64'));
  });

  const onConnection = async (raw: Socket) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    raw.setNoDelay(true);
    const remote = raw.remoteAddress ?? '';
    const tlsRequired = cfg.require_tls === 'always' || !LOOPBACK.has(remote);
    // Slow handshakes hold a socket and a parser: the whole startup has one deadline.
    let clientSocket: import('node:stream').Duplex = raw;
    const deadline = setTimeout(() => refuse(clientSocket, new StartupRefusal('08006', `startup not completed within ${cfg.startup_timeout_ms} ms`)), cfg.startup_timeout_ms);
    try {
      const hs = await clientHandshake(raw, { secureContext: deps.secureContext, tlsRequired, maxStartupBytes: cfg.max_startup_bytes, maxMessageBytes: cfg.max_message_bytes, onSocket: (s) => (clientSocket = s) });
      if (hs.kind === 'cancel') {
        clearTimeout(deadline);
        // Closed at once whatever follows, as PostgreSQL does: the timing tells a guesser nothing.
        raw.destroy();
        if (cancels.cancel(hs.pid, hs.key)) return;
        // A wrong key is dropped by every worker; this one, which took the request, logs it once.
        const elsewhere = deps.siblings ? await deps.siblings.ask(CANCEL_TOPIC, { pid: hs.pid, key: hs.key.toString('base64') }) : false;
        if (!elsewhere) deps.log.warn('postgres cancel request with an unknown key', { remote });
        return;
      }
      clientSocket = hs.socket;
      const now = Date.now();
      const who = await deps.authenticate(hs.password, hs.user, now);
      if (cfg.databases.length && !cfg.databases.includes(hs.database)) throw new StartupRefusal('3D000', `database "${hs.database.slice(0, 64)}" is not served by this Warden door`, `use one of: ${cfg.databases.join(', ')}`);
      const database = cfg.upstream.database ?? hs.database;
      const grant = await deps.grantFor?.(who.consumer.name, database, now);
      if (grant) who.grant = grant;
      const cred = upstreamCredentialFor(cfg, who);
      const session = `pgs_${randomBase62(16)}`;
      const ctx: SessionContext = { session, consumer: who.consumer, key: who.key, database, route: hs.database, upstreamRole: cred.user, remote, grant: who.grant };
      const up = await connectUpstream({ host: cfg.upstream.host, port: cfg.upstream.port, database, user: cred.user, password: cred.password, connectTimeoutMs: cfg.upstream.connect_timeout_ms, params: hs.params, tls: upstreamTls }).catch((e: unknown) => {
        deps.log.warn('postgres upstream login failed', { error: (e as Error).message, session });
        // The server's own words can name roles; the client learns only that the upstream refused.
        throw new StartupRefusal(e instanceof UpstreamError && e.sqlstate.startsWith('3D') ? '3D000' : '08006', e instanceof UpstreamError && e.sqlstate.startsWith('3D') ? `database "${database.slice(0, 64)}" does not exist upstream` : 'Warden could not log in to PostgreSQL; the operator finds why in the Warden log');
      });
      let parts: Awaited<ReturnType<PostgresDoorDeps['sessionParts']>>;
      try {
        parts = await deps.sessionParts(ctx, (sql) => upstreamQuery(up, sql, cfg.upstream.connect_timeout_ms));
      } catch (e) {
        up.socket.destroy();
        deps.log.error('postgres session setup failed', { error: (e as Error).message, session });
        throw new StartupRefusal('08006', 'Warden could not prepare the session (masking catalog lookup failed); the operator finds why in the Warden log');
      }
      const { policy, masker } = parts;
      clearTimeout(deadline);
      const upstreamKey = up.backendKey && { host: cfg.upstream.host, port: cfg.upstream.port, pid: up.backendKey.pid, key: up.backendKey.key, tls: upstreamTls };
      const ours = cancels.issue(hs.minor, upstreamKey);
      const hello = [authRequest(0), ...up.parameters.map(([k, v]) => parameterStatus(k, v))];
      // An upstream that gave no cancel key gets the client none either: a key that cancels nothing would lie.
      if (up.backendKey) hello.push(backendKeyData(ours.pid, ours.key));
      hello.push(readyForQuery(up.txStatus as TxStatus));
      hs.socket.write(Buffer.concat(hello));
      const recorder = createRecorder(deps.finish, { session, consumer: who.consumer, key: who.key, database, remote, upstreamRole: cred.user, grant: who.grant?.id, tls: hs.tls, application: hs.params.application_name }, masker ? (s) => masker.scanner.redact(s).text : undefined);
      hs.source.detach();
      const s = new Session({
        client: hs.socket,
        clientFramer: hs.source.framer,
        upstream: up.socket,
        upstreamFramer: up.framer,
        policy,
        masker,
        recorder,
        cancelUpstream: () => cancels.cancelUpstream(upstreamKey),
        onEnd: () => {
          ours.release();
          live.get(session)?.disarm?.();
          live.delete(session);
        },
      });
      const entry: LiveSession = {
        id: session,
        consumer: who.consumer.name,
        grant: who.grant?.id,
        session: s,
        end(d) {
          if (live.get(session) !== entry) return; // already ended: recorded once
          recorder.event('error', { code: d.code, message: d.message });
          s.terminate(d.sqlstate, d.message);
        },
      };
      if (!who.token && who.key) entry.login = { key: who.key.id, consumer: who.consumer.name, groups: who.consumer.groups, labels: JSON.stringify(who.consumer.labels) };
      live.set(session, entry);
      entry.disarm = armDeadlines(sessionDeadlines(who), (d) => entry.end(d));
      s.start([]);
      if (up.framer.pending) up.socket.emit('data', Buffer.alloc(0));
    } catch (e) {
      clearTimeout(deadline);
      if (!(e instanceof StartupRefusal)) deps.log.warn('postgres handshake failed', { error: (e as Error).message, remote });
      refuse(clientSocket, e);
    }
  };

  // A revoked key ends its sessions as soon as this worker's store shows it (keyEnded rereads
  // only when the store or config moved), a revoked grant within a second; an expiring grant
  // or credential at its end (deadlines.ts).
  let grantsCheckedAt = 0;
  const sweep = setInterval(() => {
    if (!live.size) return;
    const now = Date.now();
    const grantsDue = now - grantsCheckedAt >= RECHECK_MS;
    if (grantsDue) grantsCheckedAt = now;
    for (const e of live.values()) {
      // A revoked key (the answer to a leak) ends its sessions, not only its next login.
      let why: { code: string; message: string } | null | undefined;
      try {
        why = e.login && deps.keyEnded?.(e.login, now);
      } catch (err) {
        deps.log.warn('postgres session credential check failed', { error: (err as Error).message, session: e.id });
      }
      if (why) {
        e.end({ sqlstate: '57P01', code: why.code, message: `Warden: ${why.message} (${why.code}); this session ends` });
        continue;
      }
      if (!grantsDue || !e.grant || !deps.grantEnded) continue;
      void deps.grantEnded(e.grant, now).then(
        (why) => why && e.end({ sqlstate: '57P01', code: undefined, message: `Warden: ${why}; this session ends` }),
        () => undefined,
      );
    }
  }, CHECK_MS);
  sweep.unref();

  const server: Server = createServer((s) => void onConnection(s));
  server.on('error', (e) => deps.log.error('postgres listener error', { error: String(e) }));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(cfg.listen.port, cfg.listen.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as import('node:net').AddressInfo;
  return {
    host: cfg.listen.host,
    port: addr.port,
    sessions: () => [...live.values()],
    endSessions(match, sqlstate, reason) {
      let n = 0;
      for (const e of [...live.values()]) {
        if (!match(e)) continue;
        e.session.terminate(sqlstate, reason);
        n++;
      }
      return n;
    },
    async close() {
      clearInterval(sweep);
      stopAnswering?.();
      for (const e of [...live.values()]) e.session.terminate('57P01', 'Warden is shutting down');
      await new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
    },
  };
}
