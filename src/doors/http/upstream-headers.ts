/** The header list sent to an upstream node, as flat [name, value, …] pairs for undici. */
import type { IncomingMessage } from 'node:http';
import type { Consumer } from '../../core/exchange.js';
import { CREDENTIAL_HEADERS } from '../../identity/credential.js';
import { upstreamRequestHeaders } from '../shared/headers.js';
import type { CompiledRoute } from './routes.js';
import type { UpstreamNode } from './upstream.js';

function removeHeader(h: string[], lower: string): void {
  for (let i = h.length - 2; i >= 0; i -= 2) if (h[i]!.toLowerCase() === lower) h.splice(i, 2);
}

export interface UpstreamHeaderInput {
  req: IncomingMessage;
  route: CompiledRoute;
  node: UpstreamNode;
  consumer: Consumer | undefined;
  requestId: string;
  /** Length of the body sent: a buffered body's size, or the client's Content-Length when streaming. */
  contentLength: number | undefined;
  /** From the decision (OPA send_headers_upstream): set, or remove when null. */
  policyHeaders: Record<string, string | null> | undefined;
}

export function buildUpstreamHeaders(i: UpstreamHeaderInput): string[] {
  const raw = i.req.rawHeaders;
  // Drops hop-by-hop (RFC 9110 §7.6.1), client credentials, Host, Content-Length and
  // client-sent X-Consumer-* / X-Warden-* (threat: identity spoofing towards the upstream).
  const h = upstreamRequestHeaders(raw);
  if (!i.route.cfg.hide_credentials) {
    for (let k = 0; k < raw.length; k += 2) if (CREDENTIAL_HEADERS.has(raw[k]!.toLowerCase())) h.push(raw[k]!, raw[k + 1]!);
  }
  const clientHost = i.req.headers.host;
  h.push('host', i.route.cfg.upstream.pass_host === 'node' || !clientHost ? i.node.address : clientHost);
  if (i.contentLength !== undefined) h.push('content-length', String(i.contentLength));
  const xff = i.req.headers['x-forwarded-for'];
  const remote = i.req.socket.remoteAddress ?? '';
  removeHeader(h, 'x-forwarded-for');
  h.push('x-forwarded-for', xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${remote}` : remote);
  if (!i.req.headers['x-forwarded-proto']) h.push('x-forwarded-proto', (i.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  h.push('x-warden-request-id', i.requestId);
  if (i.consumer) {
    h.push('x-consumer-username', i.consumer.name);
    if (i.consumer.groups.length) h.push('x-consumer-groups', i.consumer.groups.join(','));
  }
  if (i.policyHeaders) {
    for (const [name, value] of Object.entries(i.policyHeaders)) {
      // A header the policy controls is never the client's (threat: forging a policy verdict).
      removeHeader(h, name.toLowerCase());
      if (value !== null) h.push(name, value);
    }
  }
  return h;
}
