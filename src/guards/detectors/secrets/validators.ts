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

/** A bearer value that is a credential, not a word or a template: letters and digits mixed. */
export function isOpaqueToken(token: string): boolean {
  return /\d/.test(token) && /[A-Za-z]/.test(token) && isRealUrlPassword(token);
}

/** Not a template or placeholder (`${NPM_TOKEN}`, `<password>`, `****`). */
export function isNotPlaceholder(value: string): boolean {
  return isRealUrlPassword(value.replace(/^["']|["']$/g, ''));
}

function base64Text(value: string): string | null {
  const bytes = Buffer.from(value, 'base64');
  if (!bytes.length) return null;
  for (const b of bytes) if (!((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13)) return null;
  return bytes.toString('latin1');
}

/** Base64 that decodes to text: a Secret's value, not a name that happens to be base64-shaped. */
export function decodesToPrintable(value: string): boolean {
  return base64Text(value) !== null;
}

/** Docker's `auth` is base64 of `user:password`. */
export function isDockerAuth(value: string): boolean {
  const text = base64Text(value);
  return text !== null && /^[^:\s]+:\S+$/.test(text);
}

/** False for base64 that decodes to a JSON object or array: a pagination cursor, not a key. */
export function isNotOpaqueCursor(value: string): boolean {
  if (value.length < 8 || !/^[A-Za-z\d+/_-]+={0,2}$/.test(value)) return true;
  const text = base64Text(value.replace(/-/g, '+').replace(/_/g, '/'));
  if (text === null) return true;
  const t = text.trimStart();
  return !(t.startsWith('{"') || t.startsWith('[') || t.startsWith('{}'));
}
