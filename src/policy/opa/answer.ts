/**
 * Reading an OPA answer on the APISIX contract:
 * - not JSON, or no `result` → 503 (WARDEN_E_POLICY_BAD_ANSWER);
 * - bare boolean `result` → allow / deny 403;
 * - `result.allow` true → allow, copying `send_headers_upstream` from `result.headers`;
 * - otherwise deny: `result.status_code` (default 403), `result.headers` on the response,
 *   `result.reason` as the message (an object is JSON-encoded).
 */
import type { Decision } from '../decision.js';

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// Threat: header injection / response splitting through values a policy server returns.
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function badAnswer(rule: string, why: string): Decision {
  return { outcome: 'deny', rule, code: 'WARDEN_E_POLICY_BAD_ANSWER', status: 503, reason: `the policy server answered something that is not a decision: ${why}` };
}

function readHeaders(v: unknown): Record<string, string> | string {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return '`headers` is not an object';
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    const value = typeof raw === 'number' ? String(raw) : raw;
    if (!TOKEN.test(k) || typeof value !== 'string' || !SAFE_VALUE.test(value)) return `header ${JSON.stringify(k).slice(0, 80)} is not a valid header`;
    out[k] = value;
  }
  return out;
}

function lookup(headers: Record<string, string>, name: string): string | undefined {
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const k in headers) if (k.toLowerCase() === lower) return headers[k];
  return undefined;
}

/**
 * Turns the text of an OPA answer into a decision. `rule` is the OPA source id
 * (`opa:<policy>`); `sendUpstream` are the header names of `send_headers_upstream`.
 */
export function readOpaAnswer(text: string, rule: string, sendUpstream: readonly string[] | undefined): Decision {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return badAnswer(rule, 'not JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return badAnswer(rule, 'not a JSON object');
  const result = (data as { result?: unknown }).result;
  if (result === undefined || result === null) return badAnswer(rule, 'no `result` (is the policy path right and the decision defined?)');
  if (result === true) return { outcome: 'allow', rule };
  if (result === false) return { outcome: 'deny', rule, status: 403 };
  if (typeof result !== 'object' || Array.isArray(result)) return badAnswer(rule, '`result` is neither a boolean nor an object');

  const res = result as { allow?: unknown; headers?: unknown; status_code?: unknown; reason?: unknown };
  const headers = readHeaders(res.headers);
  if (typeof headers === 'string') return badAnswer(rule, headers);

  if (res.allow === true) {
    if (!sendUpstream) return { outcome: 'allow', rule };
    const upstreamHeaders: Record<string, string | null> = {};
    // A configured header the policy did not set is removed, so a client cannot forge it.
    for (const name of sendUpstream) upstreamHeaders[name] = lookup(headers, name) ?? null;
    return { outcome: 'allow', rule, upstreamHeaders };
  }

  let status = 403;
  if (res.status_code !== undefined && res.status_code !== null) {
    if (typeof res.status_code !== 'number' || !Number.isInteger(res.status_code) || res.status_code < 200 || res.status_code > 599) {
      return badAnswer(rule, '`status_code` is not an HTTP status');
    }
    status = res.status_code;
  }
  const d: Decision = { outcome: 'deny', rule, status };
  if (res.reason !== undefined && res.reason !== null) d.reason = typeof res.reason === 'string' ? res.reason : JSON.stringify(res.reason);
  if (Object.keys(headers).length) d.headers = headers;
  return d;
}
