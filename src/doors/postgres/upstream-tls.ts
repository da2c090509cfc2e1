/**
 * TLS on Warden's own hop to PostgreSQL (`postgres.upstream.tls`), with libpq's modes: the
 * SSLRequest, the server's one-byte answer, then the TLS handshake on the same socket. Off
 * loopback the hop carries Warden's database credential and every row, so plaintext there
 * needs an explicit `allow_plaintext` (the config check refuses it otherwise).
 */
import { isIP, connect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';

/** SSLRequest: length 8, code 1234.5679. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export type UpstreamTlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface UpstreamTlsConfig {
  mode?: UpstreamTlsMode | undefined;
  ca?: string | undefined;
  server_name?: string | undefined;
  allow_plaintext?: boolean | undefined;
}

/** What a connection needs, resolved once per config. */
export interface UpstreamTls {
  mode: Exclude<UpstreamTlsMode, 'disable'>;
  context: SecureContext;
  /** Name checked against the certificate (verify-full) and sent as SNI when it is not an IP. */
  serverName: string;
}

/** 127.0.0.0/8, ::1 and localhost: a hop that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The mode in force: as configured, else `disable` on loopback and `verify-full` off it. */
export function upstreamTlsMode(host: string, t: UpstreamTlsConfig): UpstreamTlsMode {
  return t.mode ?? (isLoopbackHost(host) ? 'disable' : 'verify-full');
}

/** Why this upstream TLS config is refused (one message per problem), for the config check. */
export function upstreamTlsProblems(host: string, t: UpstreamTlsConfig): { path: string; message: string }[] {
  const mode = upstreamTlsMode(host, t);
  const out: { path: string; message: string }[] = [];
  if (mode === 'disable' && !isLoopbackHost(host) && !t.allow_plaintext) {
    out.push({ path: 'mode', message: `plaintext to ${host}, which is not loopback, would carry Warden's database credential and every row in clear: use require, verify-ca or verify-full, or set postgres.upstream.tls.allow_plaintext: true for a network you trust` });
  }
  if (mode === 'require' && t.ca !== undefined) out.push({ path: 'ca', message: 'mode require does not verify the server, so a CA would be ignored: use verify-ca or verify-full with it' });
  if (mode === 'disable' && (t.ca !== undefined || t.server_name !== undefined)) out.push({ path: 'mode', message: 'ca and server_name apply only with TLS: set mode to verify-ca or verify-full' });
  return out;
}

/** Resolves the config (the CA parsed once); undefined for plaintext. */
export function resolveUpstreamTls(host: string, t: UpstreamTlsConfig): UpstreamTls | undefined {
  const mode = upstreamTlsMode(host, t);
  if (mode === 'disable') return undefined;
  // Without a CA of its own, verification uses Node's root certificates.
  const context = createSecureContext({ minVersion: 'TLSv1.2', ...(t.ca !== undefined ? { ca: t.ca } : {}) });
  return { mode, context, serverName: t.server_name ?? host.replace(/^\[|\]$/g, '') };
}

/** Thrown for every failure of the hop; the door logs it and tells the client only that the login failed. */
export class UpstreamTlsError extends Error {}

/**
 * A connected socket to the server: plain, or TLS after SSLRequest. Fails (and destroys the
 * socket) at `deadline` (ms since the epoch).
 */
export function openUpstreamSocket(host: string, port: number, tls: UpstreamTls | undefined, deadline: number): Promise<Socket> {
  return new Promise<Socket>((ok, fail) => {
    const raw = connect({ host, port });
    raw.setNoDelay(true);
    let current: Socket = raw;
    let settled = false;
    const timer = setTimeout(() => done(new UpstreamTlsError(`no answer from PostgreSQL at ${host}:${port} within the connect timeout${tls ? ' (TLS handshake included)' : ''}`)), Math.max(0, deadline - Date.now()));
    const onError = (e: NodeJS.ErrnoException) => done(new UpstreamTlsError(`cannot reach PostgreSQL at ${host}:${port}: ${e.code ?? e.message}`));
    const done = (e: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.off('error', onError);
      raw.off('data', onAnswer);
      if (e) {
        current.on('error', () => undefined);
        raw.on('error', () => undefined);
        current.destroy();
        raw.destroy();
        fail(e);
      } else ok(current);
    };
    const onAnswer = (b: Buffer) => {
      raw.off('data', onAnswer);
      if (!tls) return;
      const answer = String.fromCharCode(b[0] ?? 0);
      if (answer === 'N') return done(new UpstreamTlsError(`PostgreSQL at ${host}:${port} does not offer TLS (ssl = off), and postgres.upstream.tls.mode is ${tls.mode}`));
      if (answer !== 'S') return done(new UpstreamTlsError(`PostgreSQL at ${host}:${port} answered SSLRequest with neither S nor N`));
      // CVE-2021-23222: bytes behind the 'S' arrived unencrypted and could be injected; never read them as TLS data.
      if (b.length > 1) return done(new UpstreamTlsError(`PostgreSQL at ${host}:${port} sent unencrypted data behind its answer to SSLRequest`));
      const verify = tls.mode !== 'require';
      const s = tlsConnect({
        socket: raw,
        secureContext: tls.context,
        host: tls.serverName,
        ...(isIP(tls.serverName) ? {} : { servername: tls.serverName }),
        rejectUnauthorized: verify,
        // verify-ca: the chain is checked, the name is not (libpq's meaning).
        ...(tls.mode === 'verify-ca' ? { checkServerIdentity: (_h: string, _c: PeerCertificate) => undefined } : {}),
      });
      current = s;
      const onTlsError = (e: NodeJS.ErrnoException) => done(new UpstreamTlsError(`TLS to PostgreSQL at ${host}:${port} failed (postgres.upstream.tls.mode ${tls.mode}${verify ? '; check postgres.upstream.tls.ca and server_name' : ''}): ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ')));
      s.once('error', onTlsError);
      s.once('secureConnect', () => {
        s.off('error', onTlsError);
        done(undefined);
      });
    };
    raw.on('error', onError);
    raw.once('connect', () => {
      if (!tls) return done(undefined);
      raw.on('data', onAnswer);
      raw.write(SSL_REQUEST);
    });
  });
}
