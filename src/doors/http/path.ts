/**
 * Request-path normalisation before route matching (threat: path traversal and route
 * confusion — a gateway that matches `/api/../admin` as `/api/*` while the upstream resolves
 * it to `/admin` lets a client reach what no route allows). The path that is matched is the
 * path that is forwarded.
 */
import { WardenError } from '../../core/errors.js';

/** Longest normalised path accepted; longer ones are refused (threat: memory and log amplification). */
export const MAX_PATH = 4096;

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function bad(why: string): WardenError {
  return new WardenError('WARDEN_E_BAD_REQUEST', `request path refused: ${why}`, { rule: 'http.path' });
}

/** Decodes percent-encoded unreserved characters (RFC 3986 §6.2.2.2); refuses encoded separators. */
function decodeUnreserved(p: string): string {
  let out = '';
  let i = 0;
  while (i < p.length) {
    const at = p.indexOf('%', i);
    if (at === -1) return out + p.slice(i);
    out += p.slice(i, at);
    const hex = p.slice(at + 1, at + 3);
    if (!HEX.test(hex)) throw bad('malformed percent-encoding');
    const ch = String.fromCharCode(parseInt(hex, 16));
    // Threat: %2F / %5C decoded by the upstream into a separator the gateway never matched on.
    if (ch === '/' || ch === '\\') throw bad('encoded slash or backslash (%2F, %5C)');
    // Threat: NUL truncation in upstream C code and file APIs.
    if (ch === '\0') throw bad('encoded NUL (%00)');
    out += UNRESERVED.test(ch) ? ch : p.slice(at, at + 3);
    i = at + 3;
  }
  return out;
}

/**
 * The normalised form of a request path (no query): unreserved characters decoded, empty
 * segments merged (`//`), dot segments resolved (RFC 3986 §5.2.4). Throws 400 for what
 * must not be guessed at: a path escaping the root, encoded separators, backslashes,
 * `..;` segments, non-origin-form targets, over-long paths.
 */
export function normalisePath(raw: string): string {
  if (raw.charCodeAt(0) !== 47 /* / */) throw bad('not an origin-form path (must start with /)');
  if (raw.length > MAX_PATH) throw bad(`longer than ${MAX_PATH} characters`);
  // Fast path: nothing to normalise.
  if (!raw.includes('%') && !raw.includes('\\') && !raw.includes('//') && !raw.includes('/.') && !raw.includes(';')) return raw;
  // Threat: servers that treat \ as / (IIS, some frameworks) resolve a different path.
  if (raw.includes('\\')) throw bad('backslash in path');
  const decoded = decodeUnreserved(raw);
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '' && !last) continue;
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      if (!out.length) throw bad('dot segments climb above the root');
      out.pop();
      if (last) out.push('');
      continue;
    }
    // Threat: `..;/` and `.;/` are resolved as dot segments by Tomcat/Spring-style path parameters.
    if (/^\.+;/.test(s)) throw bad('dot segment with path parameters (..;)');
    out.push(s);
  }
  return '/' + out.join('/');
}
