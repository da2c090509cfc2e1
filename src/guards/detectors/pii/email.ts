import type { Finding } from '../types.js';
import { DASH, DOT, isAlnum, isDigit, isLetter, isWordChar } from './chars.js';
import { piiFinding } from './kinds.js';

const AT = 0x40;
const MAX_LOCAL = 64; // RFC 5321 §4.5.3.1.1
const MAX_DOMAIN = 253;
const MAX_TLD = 24;
const EMAIL = 0.9;
// logo@2x.png, chunk@1.2.3.js: asset and package names that only look like addresses.
const LOOKS_LIKE_FILE = 0.3;
const FILE_EXTENSIONS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp',
  'js', 'mjs', 'cjs', 'ts', 'mts', 'cts', 'tsx', 'jsx', 'css', 'scss', 'less', 'map',
  'json', 'html', 'htm', 'txt', 'lock', 'yml', 'yaml', 'toml', 'wasm', 'woff', 'woff2',
]);

/** Local-part characters accepted: the dot-atom subset people and systems actually use. */
function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === DOT || c === 0x5f || c === 0x25 || c === 0x2b || c === DASH;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === DASH || c === DOT;
}

/** E-mail addresses `local@domain.tld`; the prefilter is `@` itself (a memchr-speed indexOf). */
export function findEmails(text: string, out: Finding[]): void {
  let floor = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    const end = matchAt(text, at, floor, out);
    if (end > at) {
      floor = end;
      at = end - 1;
    }
  }
}

/** Returns the end of the address around the `@` at `at`, or -1. */
function matchAt(text: string, at: number, floor: number, out: Finding[]): number {
  let start = at;
  while (start > floor && at - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
  if (start > floor && isLocalChar(text.charCodeAt(start - 1))) return -1; // local part too long
  while (start < at && text.charCodeAt(start) === DOT) start++;
  if (start === at || text.charCodeAt(at - 1) === DOT) return -1;

  let end = at + 1;
  const limit = Math.min(text.length, at + 1 + MAX_DOMAIN);
  while (end < limit && isDomainChar(text.charCodeAt(end))) end++;
  if (end < text.length && (isWordChar(text.charCodeAt(end)) || text.charCodeAt(end) === AT)) return -1;
  // A sentence may end right after the address: `write to a@b.com.`
  while (end > at + 1 && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === DASH)) end--;

  let labels = 0;
  let labelStart = at + 1;
  for (let i = at + 1; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue;
    const length = i - labelStart;
    if (length === 0 || length > 63 || text.charCodeAt(labelStart) === DASH || text.charCodeAt(i - 1) === DASH) return -1;
    labels++;
    if (i < end) labelStart = i + 1;
  }
  if (labels < 2) return -1;
  const tldLength = end - labelStart;
  if (tldLength < 2 || tldLength > MAX_TLD) return -1;
  for (let i = labelStart; i < end; i++) if (!isLetter(text.charCodeAt(i))) return -1;

  // `scheme://user:password@host` and `git@host:org/repo`: a login and a host, not an address.
  if (inUrlUserinfo(text, start) || isScpLikeRemote(text, end)) return end;
  out.push(piiFinding('email', start, end, looksLikeFile(text, at, labelStart, end) ? LOOKS_LIKE_FILE : EMAIL));
  return end;
}

const MAX_URL_HEAD = 512;

function isUrlBreak(c: number): boolean {
  return c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60;
}

/** The `@` ends the userinfo of a URL: `://` earlier in the same run, with no `/` after it. */
function inUrlUserinfo(text: string, start: number): boolean {
  let j = start;
  while (j > 0 && start - j < MAX_URL_HEAD && !isUrlBreak(text.charCodeAt(j - 1))) j--;
  const scheme = text.lastIndexOf('://', start);
  return scheme >= j && text.indexOf('/', scheme + 3) >= start;
}

/** scp-style git remote `git@github.com:org/repo.git`: the host is followed by `:path`. */
function isScpLikeRemote(text: string, end: number): boolean {
  if (text.charCodeAt(end) !== 0x3a) return false;
  let i = end + 1;
  while (i < text.length && i - end < MAX_URL_HEAD && !isUrlBreak(text.charCodeAt(i))) {
    if (text.charCodeAt(i) === 0x2f) return true;
    i++;
  }
  return text.slice(end + 1, i).endsWith('.git');
}

function looksLikeFile(text: string, at: number, tldStart: number, end: number): boolean {
  // A first domain label such as `2x` or `3x` is a retina asset suffix.
  let i = at + 1;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i > at + 1 && text.charCodeAt(i) === 0x78 && text.charCodeAt(i + 1) === DOT) return true;
  if (end - tldStart > 5) return false;
  return FILE_EXTENSIONS.has(text.slice(tldStart, end).toLowerCase());
}
