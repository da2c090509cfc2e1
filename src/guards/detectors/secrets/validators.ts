import { isWellFormedKey } from '../../../identity/keys.js';

/**
 * A JWT's first segment is base64url JSON with an `alg` member (RFC 7515 §4.1.1).
 * Checking it turns "three dotted base64 runs" into "a token someone can replay".
 */
export function isJwtWithAlg(token: string): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
}

/** A Warden virtual key with a valid checksum (a typo or a look-alike fails). */
export function isWardenKey(key: string): boolean {
  return isWellFormedKey(key);
}

/** Passwords in URLs that are placeholders, not secrets. */
const PLACEHOLDER_PASSWORD = /^(?:\$\{?[A-Za-z_]\w*\}?|\{\{[^}]*\}\}|%[A-Za-z_]\w*%|\*+|x+|\.{3}|…|<[^>]*>|\[[^\]]*\]|pass(?:word|wd)?|pwd|secret|changeme|changeit|example|your[_-]?password)$/i;

export function isRealUrlPassword(password: string): boolean {
  return !PLACEHOLDER_PASSWORD.test(password);
}
