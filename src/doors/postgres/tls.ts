/**
 * TLS for the PostgreSQL door: the configured certificate, or for the quick start a
 * self-signed one made by `openssl` (Node has no certificate generator built in).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

export function secureContextFor(tls: { cert: string; key: string } | undefined): SecureContext | undefined {
  if (!tls) return undefined;
  return createSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
}

/** A certificate that ends within a day is replaced rather than served. */
const RENEW_BEFORE_MS = 86_400_000;

function usable(cert: string, key: string, now: number): boolean {
  if (!existsSync(cert) || !existsSync(key)) return false;
  // A key others can read is not one to serve: make a new pair.
  if ((statSync(key).mode & 0o077) !== 0) return false;
  try {
    return Date.parse(new X509Certificate(readFileSync(cert)).validTo) - now > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/**
 * Writes `cert.pem` and `key.pem` (self-signed, CN=localhost, 365 days) into `dir` unless a
 * valid pair exists; returns their paths. The key is 0600 in a 0700 folder, and both files
 * appear only once complete. Throws when openssl is not installed, naming what to do instead.
 */
export function selfSignedCertificate(dir: string, now = Date.now()): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (usable(cert, key, now)) return { cert, key };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmpCert = `${cert}.${process.pid}.tmp`;
  const tmpKey = `${key}.${process.pid}.tmp`;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1', '-keyout', tmpKey, '-out', tmpCert], { stdio: 'ignore', timeout: 20_000 });
    chmodSync(tmpKey, 0o600);
    renameSync(tmpKey, key);
    renameSync(tmpCert, cert);
  } catch {
    throw new Error('openssl is not installed or failed: create a certificate yourself and set postgres.tls.cert and postgres.tls.key');
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
  }
  return { cert, key };
}

export function readCertificate(paths: { cert: string; key: string }): { cert: string; key: string } {
  return { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The door's certificate: `postgres.tls` when configured; else, for a door on loopback only,
 * a self-signed one kept beside the audit folder (`.warden/postgres-tls/`), so
 * `sslmode=require` works out of the box (unless `self_signed_tls: false`). Off loopback nothing is generated: a door reachable
 * from other hosts needs a certificate its clients can verify. Without openssl the door runs
 * without TLS (loopback clients may connect in clear) and `warn` says why.
 */
export function doorCertificate(cfg: { tls?: { cert: string; key: string }; self_signed_tls: boolean; listen: { host: string } }, auditDir: string, warn: (msg: string, fields?: Record<string, unknown>) => void): { cert: string; key: string } | undefined {
  if (cfg.tls) return cfg.tls;
  if (!cfg.self_signed_tls || !LOOPBACK_HOSTS.has(cfg.listen.host)) return undefined;
  const dir = join(dirname(auditDir), 'postgres-tls');
  try {
    return readCertificate(selfSignedCertificate(dir));
  } catch (e) {
    warn('postgres door: no self-signed certificate for the quick start; SSLRequest is answered N', { reason: (e as Error).message });
    return undefined;
  }
}
