import { createHmac, generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { generateKey } from '../../../identity/keys.js';

/** Random secrets in the formats Warden adds to the gitleaks rules (tests and benchmarks). */

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function randomFrom(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Shaped like Claude's OAuth tokens: prefix, ~93 base64url characters, `AA`. */
export function anthropicOAuthToken(kind: 'oat' | 'ort' = 'oat'): string {
  return `sk-ant-${kind}01-${randomFrom(BASE64URL, 93)}AA`;
}

export function wardenKey(): string {
  return generateKey();
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A real HS256-signed JWT (random claims, random key). */
export function jwt(claims: Record<string, unknown> = {}): string {
  const header = b64url({ alg: 'HS256', typ: 'JWT' });
  const payload = b64url({ sub: randomFrom(BASE64URL, 12), iat: 1700000000 + randomInt(1e6), ...claims });
  const sig = createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

/** Three dotted base64url runs whose first part is not a JSON header: not a JWT. */
export function fakeJwt(): string {
  return `eyJ${randomFrom('abcdefghijklmnopqrstuvwxyz', 30)}.eyJ${randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 30)}.${randomFrom(BASE64URL.slice(0, 62), 43)}`;
}

export const DB_SCHEMES = ['postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps'] as const;

/** A connection URL and the password inside it (the span a finding must cover). */
export function databaseUrl(scheme: (typeof DB_SCHEMES)[number], opts: { withAt?: boolean } = {}): { url: string; password: string } {
  const core = randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 12);
  const password = `${core}${randomFrom('!$%&*+,;=_.~-', 2)}${opts.withAt ? '@' + randomFrom('abcdef0123', 4) : ''}`;
  const user = scheme.startsWith('redis') ? '' : randomFrom('abcdefghijklmnopqrstuvwxyz', 6);
  const host = scheme === 'mongodb+srv' ? 'cluster0.abcde.mongodb.net' : `db-${randomInt(100)}.internal:${1024 + randomInt(60000)}`;
  return { url: `${scheme}://${user}:${password}@${host}/app`, password };
}

export type PemKind = 'rsa-pkcs8' | 'rsa-pkcs1' | 'ec-sec1' | 'ed25519-pkcs8';

/** A freshly generated private key in PEM. */
export function pemPrivateKey(kind: PemKind): string {
  switch (kind) {
    case 'rsa-pkcs8':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    case 'rsa-pkcs1':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'ec-sec1':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    case 'ed25519-pkcs8':
      return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}
