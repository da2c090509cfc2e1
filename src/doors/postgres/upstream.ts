/**
 * Warden's own login to PostgreSQL with the stored credential (never the client's).
 * Handles trust, cleartext, MD5 and SCRAM-SHA-256; collects ParameterStatus and
 * BackendKeyData (which an RDS-Proxy-like upstream may not send) up to ReadyForQuery.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { passwordMessage, query, saslInitialResponse, saslResponse, startupMessage } from './wire/build.js';
import { Framer } from './wire/framer.js';
import { FrameSource } from './wire/frame-source.js';
import { BodyReader } from './wire/reader.js';
import { scramClient } from './wire/scram.js';
import { parseErrorFields } from './wire/error-fields.js';
import { openUpstreamSocket, type UpstreamTls } from './upstream-tls.js';

export interface UpstreamTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  connectTimeoutMs: number;
  params: Record<string, string>;
  /** TLS for this hop; undefined: plaintext (loopback, or allowed explicitly). */
  tls: UpstreamTls | undefined;
}

export interface UpstreamSession {
  socket: Socket;
  framer: Framer;
  parameters: [string, string][];
  /** Absent when the server sent none. */
  backendKey: { pid: number; key: Buffer } | undefined;
  txStatus: string;
}

/** The upstream refused or failed; `sqlstate` is the server's when it answered with an error. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly sqlstate = '08006',
  ) {
    super(message);
  }
}

const PROTOCOL_3_2 = (3 << 16) | 2;

export async function connectUpstream(t: UpstreamTarget): Promise<UpstreamSession> {
  const deadline = Date.now() + t.connectTimeoutMs;
  // Connected, and over TLS when postgres.upstream.tls asks for it (upstream-tls.ts).
  const socket = await openUpstreamSocket(t.host, t.port, t.tls, deadline).catch((e: Error) => Promise.reject(new UpstreamError(e.message)));
  const framer = new Framer(1 << 30);
  const source = new FrameSource(socket, framer);
  const timer = setTimeout(() => source.fail(new UpstreamError(`no answer from PostgreSQL at ${t.host}:${t.port} within ${t.connectTimeoutMs} ms`)), Math.max(0, deadline - Date.now()));
  try {
    socket.write(startupMessage(PROTOCOL_3_2, { user: t.user, database: t.database, ...t.params }));
    const parameters: [string, string][] = [];
    let backendKey: UpstreamSession['backendKey'];
    let scram: ReturnType<typeof scramClient> | undefined;
    for (;;) {
      const f = await source.next();
      const type = String.fromCharCode(f.type);
      const r = new BodyReader(f.body, `upstream '${type}'`);
      if (type === 'E') {
        const e = parseErrorFields(f.body);
        throw new UpstreamError(`PostgreSQL refused Warden's login as ${t.user}: ${e.get('M') ?? 'error'}`, e.get('C') ?? '08006');
      }
      if (type === 'v') continue; // NegotiateProtocolVersion: the server speaks 3.0; BackendKeyData tells the key length anyway.
      if (type === 'N') continue;
      if (type === 'S') {
        parameters.push([r.cstring(), r.cstring()]);
        continue;
      }
      if (type === 'K') {
        const pid = r.int32();
        const key = Buffer.from(r.rest());
        if (key.length < 4 || key.length > 256) throw new UpstreamError(`PostgreSQL sent a cancel key of ${key.length} bytes`);
        backendKey = { pid, key };
        continue;
      }
      if (type === 'Z') {
        const txStatus = String.fromCharCode(r.byte());
        clearTimeout(timer);
        source.detach();
        return { socket, framer, parameters, backendKey, txStatus };
      }
      if (type !== 'R') throw new UpstreamError(`unexpected '${type}' from PostgreSQL during login`);
      const code = r.int32();
      if (code === 0) continue;
      const password = t.password;
      if (code === 3 || code === 5 || code === 10) {
        if (password === undefined) throw new UpstreamError(`PostgreSQL asks a password for ${t.user}; set it in postgres.upstream.password or postgres.roles[].password`, '28P01');
      }
      if (code === 3) socket.write(passwordMessage(password!));
      else if (code === 5) {
        const salt = r.bytes(4);
        const inner = createHash('md5').update(password! + t.user).digest('hex');
        socket.write(passwordMessage('md5' + createHash('md5').update(inner).update(salt).digest('hex')));
      } else if (code === 10) {
        const mechs: string[] = [];
        for (let m = r.cstring(); m !== ''; m = r.cstring()) mechs.push(m);
        if (!mechs.includes('SCRAM-SHA-256')) throw new UpstreamError(`PostgreSQL offers only ${mechs.join(', ')}; Warden speaks SCRAM-SHA-256`);
        scram = scramClient(password!);
        socket.write(saslInitialResponse('SCRAM-SHA-256', scram.first()));
      } else if (code === 11) {
        if (!scram) throw new UpstreamError('SASLContinue without a SASL exchange');
        socket.write(saslResponse(await scram.final(r.rest())));
      } else if (code === 12) {
        if (!scram) throw new UpstreamError('SASLFinal without a SASL exchange');
        scram.verify(r.rest());
      } else throw new UpstreamError(`PostgreSQL asks for authentication method ${code}, which Warden does not speak (use scram-sha-256, md5, password or trust for Warden's role)`);
    }
  } catch (e) {
    clearTimeout(timer);
    source.detach();
    socket.on('error', () => {});
    socket.destroy();
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError(`login to PostgreSQL failed: ${(e as Error).message}`);
  }
}

/**
 * Runs one simple query on a logged-in upstream connection before the client is attached
 * (the masking catalog lookup); returns the rows as text cells. The connection is left idle.
 */
export async function upstreamQuery(up: UpstreamSession, sql: string, timeoutMs: number): Promise<(string | null)[][]> {
  const source = new FrameSource(up.socket, up.framer);
  const timer = setTimeout(() => source.fail(new UpstreamError(`no answer from PostgreSQL within ${timeoutMs} ms`)), timeoutMs);
  try {
    up.socket.write(query(sql));
    const rows: (string | null)[][] = [];
    let error: string | undefined;
    for (;;) {
      const f = await source.next();
      const type = String.fromCharCode(f.type);
      if (type === 'D') {
        const r = new BodyReader(f.body, 'DataRow');
        const n = r.int16();
        const row: (string | null)[] = [];
        for (let i = 0; i < n; i++) {
          const len = r.int32();
          row.push(len < 0 ? null : r.bytes(len).toString('utf8'));
        }
        rows.push(row);
      } else if (type === 'E') error = parseErrorFields(f.body).get('M') ?? 'error';
      else if (type === 'Z') {
        up.txStatus = String.fromCharCode(f.body[0] ?? 73);
        if (error) throw new UpstreamError(`query failed: ${error}`);
        return rows;
      }
    }
  } finally {
    clearTimeout(timer);
    source.detach();
  }
}
