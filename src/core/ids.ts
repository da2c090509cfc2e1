import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 string of `length` characters (rejection sampling keeps it unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]! & 63;
      if (b < 62) out += ALPHABET[b];
    }
  }
  return out;
}

// Request ids: a per-process random prefix plus a counter — unique, ordered, and
// cheap on the hot path (no crypto call per request).
const processPrefix = randomBase62(8);
let counter = 0;

export function requestId(): string {
  counter = (counter + 1) % 0x7fffffff;
  return `req_${processPrefix}${counter.toString(36).padStart(6, '0')}`;
}
