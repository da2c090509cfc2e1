import { hash, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../core/ids.js';

/**
 * Virtual keys look like `wdn_` + 36 random base62 characters + a 6-character CRC-32
 * checksum, so secret scanners (ours included) can recognise a Warden key and tell a
 * real one from a typo without asking the store.
 */
export const KEY_PREFIX = 'wdn_';
export const KEY_PATTERN = /\bwdn_[0-9A-Za-z]{42}\b/;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62Fixed(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s;
}

export function generateKey(): string {
  const body = randomBase62(36);
  return `${KEY_PREFIX}${body}${base62Fixed(crc32(body), 6)}`;
}

/** True when the string has the shape and checksum of a Warden key. */
export function isWellFormedKey(key: string): boolean {
  if (key.length !== 46 || !key.startsWith(KEY_PREFIX)) return false;
  const body = key.slice(4, 40);
  if (!/^[0-9A-Za-z]+$/.test(key.slice(4))) return false;
  return base62Fixed(crc32(body), 6) === key.slice(40);
}

export function hashKey(key: string): string {
  // One-shot: no native Hash object (and weak handle for the GC to walk) per request.
  return hash('sha256', key, 'hex');
}

/** Constant-time comparison of two hex digests (threat: timing side channel on key checks). */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function keyHint(key: string): string {
  return `${key.slice(0, 8)}…`;
}

export function newKeyId(): string {
  return `key_${randomBase62(12)}`;
}
