/**
 * Helpers doors use to fill the decision document from what they already hold, so every
 * door strips credentials and shapes facts the same way.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Consumer, DoorName, KeyInfo } from '../core/exchange.js';
import { queryWithoutCredentials, withoutCredentials, type DecisionDocument } from './document.js';

type RequestFacts = NonNullable<DecisionDocument['request']>;
type ConnectionFacts = NonNullable<DecisionDocument['connection']>;

/** The parts of a node IncomingMessage the facts are read from. */
export interface HttpRequestLike {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number; encrypted?: boolean } | null;
}

/** Query string → map; a repeated name becomes a list (as APISIX's get_uri_args does). */
export function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (search.length <= 1) return out;
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function requestFacts(req: HttpRequestLike, extra: { body?: unknown; bodySize?: number; stripHeaders?: ReadonlySet<string> } = {}): RequestFacts {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const hostHeader = req.headers.host ?? '';
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
  const tls = req.socket?.encrypted === true;
  const facts: RequestFacts = {
    scheme: tls ? 'https' : 'http',
    method: req.method ?? 'GET',
    host: m?.[1] ?? '',
    port: m?.[2] ? Number(m[2]) : (req.socket?.localPort ?? (tls ? 443 : 80)),
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? {} : queryWithoutCredentials(parseQuery(url.slice(q))),
    headers: withoutCredentials(req.headers, extra.stripHeaders),
  };
  if (extra.body !== undefined) facts.body = extra.body;
  if (extra.bodySize !== undefined) facts.body_size = extra.bodySize;
  return facts;
}

export function connectionFacts(socket: HttpRequestLike['socket']): ConnectionFacts | null {
  if (!socket) return null;
  return {
    remote_addr: socket.remoteAddress ?? '',
    remote_port: socket.remotePort ?? 0,
    server_addr: socket.localAddress ?? '',
    server_port: socket.localPort ?? 0,
  };
}

/** A document with every section present (null where the door has nothing), ready to fill. */
export function baseDocument(door: DoorName, time: number, consumer?: Consumer, key?: KeyInfo): DecisionDocument {
  return {
    door,
    time,
    consumer: consumer ? { name: consumer.name, groups: consumer.groups, labels: consumer.labels, models: consumer.models } : null,
    key: key ? { id: key.id, models: key.models } : null,
    request: null,
    connection: null,
    route: null,
    service: null,
    llm: null,
    tool: null,
    sql: null,
    session: null,
  };
}
