/**
 * TLS for the PostgreSQL door: the configured certificate, or for the quick start a
 * self-signed one made by `openssl` (Node has no certificate generator built in).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';

export function secureContextFor(tls: { cert: string; key: string } | undefined): SecureContext | undefined {
  if (!tls) return undefined;
  return createSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
}

/**
 * Writes `cert.pem` and `key.pem` (self-signed, CN=localhost, 365 days) into `dir` unless they
 * exist; returns their paths. Throws when openssl is not installed, naming what to do instead.
 */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    throw new Error('openssl is not installed or failed: create a certificate yourself and set postgres.tls.cert and postgres.tls.key');
  }
  return { cert, key };
}

export function readCertificate(paths: { cert: string; key: string }): { cert: string; key: string } {
  return { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') };
}
