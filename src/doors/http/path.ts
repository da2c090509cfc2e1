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
const NOT_URI_CHAR = /[^\x21-\x7e]/;

function bad(why: string): WardenError {
  return new WardenError('WARDEN_E_BAD_REQUEST', `request path refused: ${why}`, { rule: 'http.path' });
}

/** Decodes percent-encoded unreserved characters (RFC 3986 §6.2.2.2); refuses encoded separators. */
function decodeUnreserved(p: string): string {
  let out = '';
  let high = false;
  let i = 0;
  while (i < p.length) {
    const at = p.indexOf('%', i);
    if (at === -1) {
      out += p.slice(i);
      break;
    }
    out += p.slice(i, at);
    const hex = p.slice(at + 1, at + 3);
    if (!HEX.test(hex)) throw bad('malformed percent-encoding');
    const ch = String.fromCharCode(parseInt(hex, 16));
    // Threat: %2F / %5C decoded by the upstream into a separator the gateway never matched on.
    if (ch === '/' || ch === '\\') throw bad('encoded slash or backslash (%2F, %5C)');
    // Threat: NUL truncation in upstream C code and file APIs.
    if (ch === '\0') throw bad('encoded NUL (%00)');
    // Threat: a hop that decodes twice turns %252F into / after the gateway matched (IIS, some frameworks).
    if (ch === '%' && HEX.test(p.slice(at + 3, at + 5))) throw bad('double percent-encoding (%25 followed by hex digits)');
    if (ch.charCodeAt(0) >= 0x80) high = true;
    out += UNRESERVED.test(ch) ? ch : p.slice(at, at + 3);
    i = at + 3;
  }
  if (high) assertUtf8(p);
  return out;
}

const DECODER = new TextDecoder('utf-8', { fatal: true });
/** Characters that NFKC or "best fit" mappings fold into `/`, `\` or `.`. */
const LOOKALIKES = /[\u2044\u2215\u2216\uFE52\uFE68\uFF0E\uFF0F\uFF3C]/;

/**
 * Percent-encoded bytes must form strict UTF-8. Threat: overlong forms (%C0%AE is `.`,
 * %C0%AF is `/` to a lax decoder) and lookalikes (U+FF0F, the fullwidth solidus) that an
 * upstream folds into a separator or a dot segment the gateway never saw.
 */
function assertUtf8(p: string): void {
  const bytes: number[] = [];
  for (let i = 0; i < p.length; i++) {
    if (p.charCodeAt(i) === 37 /* % */) {
      bytes.push(parseInt(p.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(p.charCodeAt(i));
  }
  let text: string;
  try {
    text = DECODER.decode(Uint8Array.from(bytes));
  } catch {
    throw bad('percent-encoded bytes are not valid UTF-8 (overlong or truncated sequences)');
  }
  if (LOOKALIKES.test(text)) throw bad('a lookalike of /, \\ or . (fullwidth or division slash)');
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
  // Threat: raw bytes outside printable ASCII (RFC 3986 allows none) read differently by each hop.
  if (NOT_URI_CHAR.test(raw)) throw bad('a raw control, space or non-ASCII character (percent-encode it)');
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
