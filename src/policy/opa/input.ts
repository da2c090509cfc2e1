/**
 * The OPA input document, exactly as the APISIX opa plugin builds it
 * (`{"input":{"type","request","var","route","service","consumer"}}`), plus Warden's facts
 * under `input.warden` so plain APISIX policies keep working unchanged.
 */
import { queryWithoutCredentials, withoutCredentials, type DecisionDocument } from '../document.js';
import type { OpaConfig } from '../config.js';

export interface OpaInput {
  type: 'http' | 'stream';
  request: {
    scheme: string;
    method: string;
    host: string;
    port: number;
    path: string;
    headers: Record<string, string>;
    query: Record<string, string | string[]>;
    body?: unknown;
  };
  /** nginx variables in APISIX: ports are strings there, the timestamp is whole seconds. */
  var: { server_addr: string; server_port: string; remote_addr: string; remote_port: string; timestamp: number };
  route?: Record<string, unknown> | null;
  service?: Record<string, unknown> | null;
  consumer?: OpaConsumer | null;
  warden: {
    door: DecisionDocument['door'];
    llm: DecisionDocument['llm'];
    tool: DecisionDocument['tool'];
    sql: DecisionDocument['sql'];
    session: DecisionDocument['session'];
    /** Set when with_body is on but the body was larger than max_bytes (it is then not sent). */
    body_omitted?: 'too_large';
  };
}

/** The consumer as APISIX policies read it (`input.consumer.username`), never with its keys. */
export interface OpaConsumer {
  username: string;
  consumer_name: string;
  group_id?: string;
  groups: string[];
  labels: Record<string, string>;
}

type InputOptions = Pick<OpaConfig, 'with_route' | 'with_service' | 'with_consumer' | 'with_body'>;

/** Route and service facts without `upstream`: APISIX drops it, and it may hold upstream secrets. */
function withoutUpstream(o: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!o || !('upstream' in o)) return o;
  const { upstream: _dropped, ...rest } = o;
  return rest;
}

function bodySize(body: unknown, declared: number | undefined): number {
  if (declared !== undefined) return declared;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return Buffer.byteLength(JSON.stringify(body) ?? '');
}

export function buildOpaInput(doc: DecisionDocument, opts: InputOptions): { input: OpaInput } {
  const r = doc.request;
  const c = doc.connection;
  const input: OpaInput = {
    type: doc.door === 'postgres' ? 'stream' : 'http',
    request: {
      scheme: r?.scheme ?? 'http',
      method: r?.method ?? '',
      host: r?.host ?? '',
      port: r?.port ?? 0,
      path: r?.path ?? '',
      // Doors already strip credentials; stripping again here keeps the promise even if one forgets.
      headers: r ? withoutCredentials(r.headers) : {},
      query: r ? queryWithoutCredentials(r.query) : {},
    },
    var: {
      server_addr: c?.server_addr ?? '',
      server_port: String(c?.server_port ?? ''),
      remote_addr: c?.remote_addr ?? '',
      remote_port: String(c?.remote_port ?? ''),
      timestamp: Math.floor(doc.time / 1000),
    },
    warden: { door: doc.door, llm: doc.llm, tool: doc.tool, sql: doc.sql, session: doc.session },
  };
  if (opts.with_route) input.route = withoutUpstream(doc.route);
  if (opts.with_service) input.service = withoutUpstream(doc.service);
  if (opts.with_consumer) {
    const k = doc.consumer;
    input.consumer = k && {
      username: k.name,
      consumer_name: k.name,
      ...(k.groups[0] !== undefined ? { group_id: k.groups[0] } : {}),
      groups: k.groups,
      labels: k.labels,
    };
  }
  if (opts.with_body && r && r.body !== undefined) {
    if (bodySize(r.body, r.body_size) <= opts.with_body.max_bytes) input.request.body = r.body;
    else input.warden.body_omitted = 'too_large';
  }
  return { input };
}
