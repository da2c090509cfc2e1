/**
 * The client side of the handshake: SSLRequest / GSSENCRequest / CancelRequest /
 * StartupMessage, then a cleartext password (auth code 3) that Warden verifies itself.
 * Only harmless startup parameters survive (threat: `options=-c role=…` and
 * `replication=database` changing who the upstream session is).
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { authRequest, errorResponse, negotiateProtocolVersion } from './wire/build.js';
import { FrameError, Framer } from './wire/framer.js';
import { FrameSource } from './wire/frame-source.js';
import { BodyReader } from './wire/reader.js';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Newest protocol Warden speaks: 3.2 (PostgreSQL 18, long cancel keys). */
export const MAX_MINOR = 2;

/**
 * Parameters passed upstream as the client sent them. `client_encoding` is pinned to UTF8
 * elsewhere: a client encoding such as SJIS or GBK lets a quote hide inside a multibyte
 * character, so the server would read other statements than the ones Warden checked.
 */
const PASS_PARAMS = new Set(['application_name', 'datestyle', 'timezone', 'extra_float_digits', 'intervalstyle', 'lc_monetary', 'lc_numeric', 'lc_time', 'bytea_output']);
const UTF8_NAMES = new Set(['utf8', 'utf-8', 'unicode']);

export class StartupRefusal extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface StartupOptions {
  secureContext: SecureContext | undefined;
  /** TLS is required for this client (off loopback, or `require_tls: always`). */
  tlsRequired: boolean;
  maxStartupBytes: number;
  maxMessageBytes: number;
  /** Told of the socket to answer on once TLS wraps the raw one (a refusal must be encrypted too). */
  onSocket?: (s: Duplex) => void;
}

export type HandshakeResult =
  | { kind: 'cancel'; pid: number; key: Buffer }
  | {
      kind: 'session';
      socket: Duplex;
      source: FrameSource;
      tls: boolean;
      /** The protocol minor version in use with the client (0 or 2). */
      minor: number;
      user: string;
      database: string;
      /** Parameters to forward upstream. */
      params: Record<string, string>;
      /** Names of the parameters dropped (recorded, never their values). */
      dropped: string[];
      password: string;
    };

export async function clientHandshake(raw: Socket, opts: StartupOptions): Promise<HandshakeResult> {
  const framer = new Framer(opts.maxStartupBytes, true);
  const source = new FrameSource(raw, framer);
  let socket: Duplex = raw;
  let tls = false;
  let gssAsked = false;
  for (;;) {
    const f = await source.next();
    const r = new BodyReader(f.body, 'startup');
    const code = r.int32();
    if (code === SSL_REQUEST) {
      r.end();
      if (tls) throw new StartupRefusal('08P01', 'a second SSLRequest on an encrypted connection is a protocol violation');
      if (framer.pending > 0) {
        // Bytes sent before the TLS handshake would be read as if they came over TLS (CVE-2021-23222 shape).
        throw new StartupRefusal('08P01', 'data received after SSLRequest before the TLS handshake');
      }
      if (!opts.secureContext) {
        socket.write('N');
        continue;
      }
      socket.write('S');
      source.detach();
      const t = new TLSSocket(raw, { isServer: true, secureContext: opts.secureContext });
      source.switchTo(t);
      socket = t;
      opts.onSocket?.(t);
      tls = true;
      continue;
    }
    if (code === GSSENC_REQUEST) {
      r.end();
      if (gssAsked || tls) throw new StartupRefusal('08P01', 'GSSENCRequest repeated or sent after TLS');
      gssAsked = true;
      socket.write('N');
      continue;
    }
    if (code === CANCEL_REQUEST) {
      const pid = r.int32();
      const key = r.rest();
      if (key.length < 4 || key.length > 256) throw new StartupRefusal('08P01', `cancel key of ${key.length} bytes (4 to 256 allowed)`);
      return { kind: 'cancel', pid, key };
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) throw new StartupRefusal('0A000', `unsupported frontend protocol ${major}.${minor}: Warden speaks 3.0 to 3.${MAX_MINOR}`);
    if (opts.tlsRequired && !tls) throw new StartupRefusal('28000', 'this Warden door requires TLS for connections from this address', 'connect with sslmode=require (or verify-full)');
    const params = new Map<string, string>();
    for (;;) {
      const k = r.cstring();
      if (k === '') break;
      const v = r.cstring();
      if (params.has(k)) throw new StartupRefusal('08P01', `startup parameter ${k.slice(0, 64)} given twice`);
      params.set(k, v);
    }
    r.end();
    return finishStartup(socket, source, framer, tls, minor, params, opts);
  }
}

async function finishStartup(socket: Duplex, source: FrameSource, framer: Framer, tls: boolean, minor: number, params: Map<string, string>, opts: StartupOptions): Promise<HandshakeResult> {
  const user = params.get('user');
  if (!user) throw new StartupRefusal('28000', 'no user name in the startup message', 'connect with user=<your consumer name>');
  const database = params.get('database') || user;
  const forward: Record<string, string> = {};
  const dropped: string[] = [];
  const unsupported: string[] = [];
  for (const [k, v] of params) {
    const lower = k.toLowerCase();
    if (lower === 'user' || lower === 'database') continue;
    if (lower.startsWith('_pq_.')) {
      unsupported.push(k.slice(0, 64));
      continue;
    }
    if (lower === 'client_encoding') {
      if (!UTF8_NAMES.has(v.toLowerCase().replace(/'/g, ''))) throw new StartupRefusal('22023', `client_encoding ${v.slice(0, 32)} is not allowed: Warden checks statements as UTF-8`, 'use client_encoding=UTF8');
      continue;
    }
    if (PASS_PARAMS.has(lower) && v.length <= 256) forward[k] = v;
    else dropped.push(k.slice(0, 64));
  }
  forward.client_encoding = 'UTF8';
  const useMinor = Math.min(minor, MAX_MINOR) >= 2 ? 2 : 0;
  // A newer minor version, or protocol options Warden does not know, are answered per protocol 3.2 docs.
  if (minor > MAX_MINOR || unsupported.length) socket.write(negotiateProtocolVersion(Math.min(minor, MAX_MINOR), unsupported));
  framer.untyped = false;
  framer.setMaxLength(opts.maxMessageBytes);
  socket.write(authRequest(3));
  const f = await source.next();
  if (f.type !== 0x70 /* p */) throw new StartupRefusal('08P01', `expected a password message, got '${String.fromCharCode(f.type)}'`);
  const r = new BodyReader(f.body, 'password');
  const password = r.cstring();
  r.end();
  return { kind: 'session', socket, source, tls, minor: useMinor, user, database, params: forward, dropped, password };
}

/** The FATAL answer to a refused handshake, then the end of the connection. */
export function refuse(socket: Duplex, e: unknown): void {
  const f = e instanceof StartupRefusal ? e : e instanceof FrameError ? new StartupRefusal('08P01', e.message) : new StartupRefusal('08006', 'connection failed during startup');
  if (!socket.writable) return void socket.destroy();
  socket.end(errorResponse({ severity: 'FATAL', code: f.sqlstate, message: f.message, ...(f.hint && { hint: f.hint }) }));
  setTimeout(() => socket.destroy(), 1000).unref();
}
