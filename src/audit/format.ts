/**
 * The byte format of one audit line, shared by the writer and the verifier.
 *
 * A line is `{"time":…,"seq":N,…record fields…,"prev":"<64 hex>","hash":"<64 hex>"}\n`.
 * The hash covers exactly the bytes of the line with the `,"hash":"…"` member removed
 * (i.e. `JSON.stringify` of the record plus seq and prev, in the fixed field order below).
 * Hashing the bytes as written, rather than a re-serialisation of the parsed JSON, keeps
 * the check independent of any JSON library's number formatting or escaping: a verifier
 * in any language needs only string slicing and SHA-256/HMAC-SHA-256.
 */
import { hash } from 'node:crypto';
import { WardenError } from '../core/errors.js';
import type { AuditRecord } from './types.js';

/** `prev` of the first record of a log. */
export const GENESIS = '0'.repeat(64);

export type HashAlg = 'sha256' | 'hmac-sha256';

/** Hashes `bytes` followed by `tail` (the verifier passes the closing brace separately to avoid a copy). */
export type Hasher = ((bytes: string | Uint8Array, tail?: string) => string) & { readonly alg: HashAlg };

/** The unkeyed SHA-256 hasher, to recognise records written before keyed mode. */
export const PLAIN: Hasher = makeHasher();

export function makeHasher(hmacKey?: string): Hasher {
  // An empty key (e.g. an unset env var) must not silently fall back to the unkeyed mode.
  if (hmacKey === '') throw new WardenError('WARDEN_E_CONFIG_INVALID', 'the audit HMAC key is empty: set it or leave it out');
  const fn = hmacKey
    ? hmacSha256(hmacKey)
    : (bytes: string | Uint8Array, tail?: string) => hash('sha256', tail === undefined ? bytes : joined(bytes, tail), 'hex');
  return Object.assign(fn, { alg: (hmacKey ? 'hmac-sha256' : 'sha256') as HashAlg });
}

function joined(bytes: string | Uint8Array, tail: string): string | Buffer {
  return typeof bytes === 'string' ? bytes + tail : Buffer.concat([bytes, Buffer.from(tail, 'utf8')]);
}

/**
 * HMAC-SHA-256 (RFC 2104) made of two one-shot hashes, the padded keys computed once.
 * createHash and createHmac make a native object with a weak handle per call, which every
 * young-generation GC of the writer's process then walks: one per audit record, one per HEAD
 * write (and one per key lookup) were a third of a scavenge's pause on the MCP door's path.
 * Equal to createHmac's digest (tested).
 */
function hmacSha256(key: string): (bytes: string | Uint8Array, tail?: string) => string {
  const BLOCK = 64;
  let k: Buffer = Buffer.from(key, 'utf8');
  if (k.length > BLOCK) k = hash('sha256', k, 'buffer');
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  return (bytes, tail) => {
    const message = typeof bytes === 'string' ? Buffer.from(tail === undefined ? bytes : bytes + tail, 'utf8') : tail === undefined ? bytes : joined(bytes, tail);
    const inner = hash('sha256', Buffer.concat([ipad, message as Uint8Array]), 'buffer');
    return hash('sha256', Buffer.concat([opad, inner]), 'hex');
  };
}

/** `,"hash":"` + 64 hex + `"}` — the fixed-length end of every line (without the newline). */
export const HASH_MEMBER = ',"hash":"';
export const SUFFIX_LEN = HASH_MEMBER.length + 64 + 2;

const HEX64 = /^[0-9a-f]{64}$/;
export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s);
}

/**
 * Serialises one record in the canonical field order. Only the known fields are copied:
 * a caller passing a richer object (an Exchange, headers…) cannot leak extra data into
 * the log — threat: secrets landing in the audit trail.
 */
export function serializeRecord(r: AuditRecord, seq: number, prev: string, hasher: Hasher): { line: string; hash: string } {
  const body = JSON.stringify({
    time: r.time,
    seq,
    request_id: r.request_id,
    door: r.door,
    method: r.method,
    route: r.route,
    consumer: r.consumer ?? null,
    key_id: r.key_id ?? null,
    // Present only for OIDC tokens (undefined members are left out, so key records are unchanged).
    issuer: typeof r.issuer === 'string' ? r.issuer : undefined,
    subject: typeof r.subject === 'string' ? r.subject : undefined,
    session_id: r.session_id ?? null,
    model: r.model ?? null,
    provider: r.provider ?? null,
    decision: r.decision,
    rule: r.rule ?? null,
    reason: r.reason ?? null,
    status: r.status,
    error_code: r.error_code ?? null,
    tokens_in: r.tokens_in,
    tokens_out: r.tokens_out,
    cost_usd: r.cost_usd,
    latency_ms: r.latency_ms,
    upstream_latency_ms: r.upstream_latency_ms ?? null,
    tools: r.tools ?? [],
    client_aborted: r.client_aborted === true,
    response_findings: r.response_findings?.map(String),
    tool_decisions: r.tool_decisions?.map((d) => ({ tool: d.tool, outcome: d.outcome, rule: d.rule, reason: d.reason, approval: d.approval })),
    bodies: r.bodies === undefined ? undefined : { request: r.bodies.request, response: r.bodies.response },
    mcp: r.mcp === undefined ? undefined : { ...r.mcp },
    pg: r.pg === undefined ? undefined : { session: r.pg.session, events: r.pg.events },
    prev,
  });
  const hash = hasher(body);
  return { line: `${body.slice(0, -1)}${HASH_MEMBER}${hash}"}\n`, hash };
}

export type LineCheck =
  /** `plain`: the record verified only under the fallback (unkeyed SHA-256) hasher — a record written before keyed mode. */
  | { kind: 'ok'; seq: number; prev: string; hash: string; plain?: true }
  /** Well-formed, but the stored hash does not match the bytes. */
  | { kind: 'edited'; seq?: number; hash?: string; detail: string }
  | { kind: 'malformed'; detail: string };

/**
 * Checks one line (bytes `buf[start, end)`, no newline) against `hasher`. With `legacy` (the
 * unkeyed hasher, given only in keyed mode) a line whose HMAC fails but whose SHA-256 matches
 * is returned as ok with `plain: true`: the caller decides whether an unkeyed record may
 * stand there (only in the sealed prefix written before the key, see docs/audit.md).
 */
export function checkLine(buf: Buffer, start: number, end: number, hasher: Hasher, legacy?: Hasher): LineCheck {
  const text = buf.toString('utf8', start, end);
  let parsed: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'malformed', detail: 'line is not a JSON object' };
    parsed = v as Record<string, unknown>;
  } catch {
    return { kind: 'malformed', detail: 'line is not valid JSON' };
  }
  const seq = Number.isSafeInteger(parsed.seq) && (parsed.seq as number) > 0 ? (parsed.seq as number) : undefined;
  const stated = isHex64(parsed.hash) ? parsed.hash : undefined;
  const len = end - start;
  const suffixAt = end - SUFFIX_LEN;
  const suffixOk =
    len > SUFFIX_LEN &&
    buf.toString('latin1', suffixAt, suffixAt + HASH_MEMBER.length) === HASH_MEMBER &&
    buf[end - 2] === 0x22 && buf[end - 1] === 0x7d &&
    stated !== undefined && buf.toString('latin1', suffixAt + HASH_MEMBER.length, end - 2) === stated;
  if (!suffixOk) return { kind: 'edited', seq, hash: stated, detail: 'the "hash" member is missing, damaged or not last' };
  if (seq === undefined || !isHex64(parsed.prev)) return { kind: 'edited', seq, hash: stated, detail: 'the "seq" or "prev" member is missing or invalid' };
  const actual = hasher(buf.subarray(start, suffixAt), '}');
  if (actual !== stated && legacy && legacy(buf.subarray(start, suffixAt), '}') === stated) return { kind: 'ok', seq, prev: parsed.prev, hash: stated, plain: true };
  if (actual !== stated) return { kind: 'edited', seq, hash: stated, detail: 'content does not match its hash (a byte of this record was changed)' };
  return { kind: 'ok', seq, prev: parsed.prev, hash: stated };
}
