/** The decision document of an http-door request (see src/policy/document.ts). */
import type { IncomingMessage } from 'node:http';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import { CREDENTIAL_QUERY_NAMES, withoutCredentials, type DecisionDocument } from '../../policy/document.js';
import type { CompiledRoute } from './routes.js';

function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query.length < 2) return out;
  for (const [k, v] of new URLSearchParams(query.slice(1))) {
    // Threat: a key sent as ?apikey= reaching a policy server or an explain dump.
    if (CREDENTIAL_QUERY_NAMES.has(k.toLowerCase())) continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export interface DocInput {
  req: IncomingMessage;
  path: string;
  query: string;
  route: CompiledRoute;
  consumer: Consumer | undefined;
  key: KeyInfo | undefined;
  sessionId: string | undefined;
  body: { value: unknown; size: number } | undefined;
  time: number;
}

export function httpDocument(i: DocInput): DecisionDocument {
  const { req } = i;
  const sock = req.socket;
  const hostHeader = req.headers.host ?? '';
  const colon = hostHeader.lastIndexOf(':');
  const host = colon > hostHeader.lastIndexOf(']') ? hostHeader.slice(0, colon) : hostHeader;
  const tls = (sock as { encrypted?: boolean }).encrypted === true;
  const request: NonNullable<DecisionDocument['request']> = {
    scheme: tls ? 'https' : 'http',
    method: req.method ?? 'GET',
    host: host.toLowerCase(),
    port: sock.localPort ?? 0,
    path: i.path,
    query: parseQuery(i.query),
    headers: withoutCredentials(req.headers),
  };
  if (i.body) {
    request.body = i.body.value;
    request.body_size = i.body.size;
  }
  return {
    door: 'http',
    time: i.time,
    consumer: i.consumer ? { name: i.consumer.name, groups: i.consumer.groups, labels: i.consumer.labels, models: i.consumer.models } : null,
    key: i.key ? { id: i.key.id, models: i.key.models } : null,
    request,
    connection: { remote_addr: sock.remoteAddress ?? '', remote_port: sock.remotePort ?? 0, server_addr: sock.localAddress ?? '', server_port: sock.localPort ?? 0 },
    route: i.route.facts as NonNullable<DecisionDocument['route']>,
    service: null,
    llm: null,
    tool: null,
    sql: null,
    session: i.sessionId ? { id: i.sessionId } : null,
  };
}
