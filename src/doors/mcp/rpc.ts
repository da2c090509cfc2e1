/**
 * JSON-RPC 2.0 as the MCP door reads and writes it: exactly one message per POST (batches
 * were removed in 2025-06-18), read strictly (src/core/json/read.ts: one reading of the bytes
 * that are forwarded), and Warden's errors mapped to JSON-RPC codes.
 */
import { WardenError, isWardenError, asWardenError } from '../../core/errors.js';
import { readJson } from '../../core/json/read.js';

export type RpcId = string | number;

export interface RpcMessage {
  /** Absent for a notification. */
  id?: RpcId;
  method: string;
  params: Record<string, unknown> | undefined;
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** MCP 2026-07-28 HeaderMismatch. */
export const HEADER_MISMATCH = -32020;
/** MCP URLElicitationRequired (2025-11-25): the client opens the URL, then retries. */
export const URL_ELICITATION_REQUIRED = -32042;
/** Warden's codes, in the implementation-defined server range. */
export const REFUSED = -32003;
export const UPSTREAM_FAILED = -32000;
export const UPSTREAM_TIMEOUT = -32001;
export const SESSION_ENDED = -32004;
export const RATE_LIMITED = -32029;

/** Codes an upstream's error keeps when relayed: JSON-RPC's own and MCP's resource-not-found; Warden's range stays Warden's. */
const RELAYED_CODES = new Set([PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR, -32002]);

/** An upstream's JSON-RPC error as the door relays it (its message already through the guards). */
export class RelayedUpstreamError extends WardenError {
  readonly rpcCode: number;
  constructor(server: string, code: number, message: string) {
    super('WARDEN_E_MCP_UPSTREAM_ERROR', `MCP server "${server}" answered an error: ${message}`);
    this.rpcCode = RELAYED_CODES.has(code) ? code : UPSTREAM_FAILED;
  }
}

const bad = (msg: string) => new WardenError('WARDEN_E_MCP_BAD_MESSAGE', msg);

/** Reads one JSON-RPC request or notification; a response from the client is refused (Warden sends no requests). */
export function parseMessage(body: Buffer): RpcMessage {
  let json: unknown;
  try {
    json = readJson(body);
  } catch (e) {
    // Valid JSON that has no single reading (a duplicate key, a lone surrogate) is an invalid request, not a parse error.
    if (isWardenError(e) && e.code === 'WARDEN_E_JSON_REFUSED') throw bad(e.message);
    throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', `the body is not valid JSON: ${isWardenError(e) ? e.message : 'parse error'}`, { rule: 'jsonrpc.parse' });
  }
  if (Array.isArray(json)) throw bad('JSON-RPC batches are not supported (removed in MCP 2025-06-18): send one message per POST');
  if (json === null || typeof json !== 'object') throw bad('the body must be one JSON-RPC 2.0 message object');
  const m = json as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') throw bad('"jsonrpc" must be "2.0"');
  if (typeof m.method !== 'string' || m.method.length === 0 || m.method.length > 128) throw bad('"method" must be a string of 1 to 128 characters');
  if (m.id !== undefined && !(typeof m.id === 'string' && m.id.length <= 256) && !(typeof m.id === 'number' && Number.isSafeInteger(m.id))) throw bad('"id" must be a string (at most 256 characters) or an integer');
  if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) throw bad('"params" must be an object');
  return { id: m.id as RpcId | undefined, method: m.method, params: m.params as Record<string, unknown> | undefined };
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/** The JSON-RPC code of a Warden error; `data` names the Warden code and request id. */
export function toRpcError(e: unknown, requestId: string): RpcErrorBody {
  const err = asWardenError(e);
  const data: Record<string, unknown> = { warden_code: err.code, request_id: requestId };
  if (err.rule) data.rule = err.rule;
  return { code: rpcCodeOf(err), message: err.message, data };
}

function rpcCodeOf(err: WardenError): number {
  if (err instanceof RelayedUpstreamError) return err.rpcCode;
  switch (err.code) {
    case 'WARDEN_E_MCP_BAD_MESSAGE':
      return err.rule === 'jsonrpc.parse' ? PARSE_ERROR : INVALID_REQUEST;
    case 'WARDEN_E_JSON_REFUSED':
    case 'WARDEN_E_BAD_JSON':
      return INVALID_REQUEST;
    case 'WARDEN_E_MCP_HEADER_MISMATCH':
      return HEADER_MISMATCH;
    case 'WARDEN_E_MCP_UNKNOWN_TOOL':
      return INVALID_PARAMS;
    case 'WARDEN_E_MCP_UPSTREAM_TIMEOUT':
      return UPSTREAM_TIMEOUT;
    case 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE':
    case 'WARDEN_E_MCP_UPSTREAM_PROTOCOL':
      return UPSTREAM_FAILED;
    case 'WARDEN_E_MCP_SESSION_LOST':
    case 'WARDEN_E_MCP_SESSION_UNKNOWN':
      return SESSION_ENDED;
    case 'WARDEN_E_RATE_LIMITED':
    case 'WARDEN_E_BUDGET_EXHAUSTED':
      return RATE_LIMITED;
    case 'WARDEN_E_INTERNAL':
      return INTERNAL_ERROR;
    default:
      return err.status === 413 ? INVALID_REQUEST : REFUSED;
  }
}

export function rpcResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export function rpcError(id: RpcId | null | undefined, error: RpcErrorBody): string {
  return JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error });
}
