/**
 * The http door (seed 000): APIs under configured routes. Before the shared stages
 * (src/runtime/stages.ts): path normalisation and route match. Then identify (header checks,
 * key-auth) → read (the body, bounded) → authorize (ACL → CEL → permissions → OPA, deny
 * wins) → forward to a node (weighted round-robin, passive health) → finish.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveAsk } from '../../approvals/gate.js';
import { WardenError, isWardenError } from '../../core/errors.js';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import { toDecisionRecord, decisionToError, type Decision } from '../../policy/decision.js';
import { evaluate } from '../../policy/engine.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import { readJson } from '../../core/json/read.js';
import { CREDENTIAL_HEADERS } from '../../identity/credential.js';
import { readBody } from '../shared/body.js';
import { assertNoWardenKey, stripKeyParams } from '../shared/upstream-credentials.js';
import { httpDocument } from './document.js';
import { forwardHttp } from './forward.js';
import { normalisePath } from './path.js';
import { failHttp } from './render.js';
import { assertUnambiguous, findKey, stripKeyFromQuery } from './request-checks.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import type { CompiledRoute } from './routes.js';
import type { Exchange } from '../../core/exchange.js';
import type { Snapshot } from '../../runtime/snapshot.js';
import { runStages, type DoorStages } from '../../runtime/stages.js';
import type { Door, DoorHttpHandler } from '../door.js';
import { httpConfig } from './config.js';
import { httpPart } from './part.js';

const MISSING = 'Missing API key in request';
const INVALID = 'Invalid API key in request';

function isJson(ct: string | undefined): boolean {
  if (!ct) return false;
  const t = ct.split(';', 1)[0]!.trim().toLowerCase();
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}

/** key-auth with the APISIX bodies; the precise cause stays in the code and the audit record. */
function identify(gw: Gateway, req: IncomingMessage, query: string, route: CompiledRoute): { key?: KeyInfo; consumer?: Consumer; fromQuery: boolean } {
  const found = findKey(req.rawHeaders, query, route.cfg.key_auth.query);
  if (!found.key) throw new WardenError('WARDEN_E_AUTH_MISSING', MISSING, { rule: 'key-auth' });
  try {
    const who = gw.identity.authenticate(found.key);
    return { key: who.key, consumer: who.consumer, fromQuery: found.fromQuery };
  } catch (e) {
    if (isWardenError(e) && e.status === 401) throw new WardenError(e.code, INVALID, { rule: 'key-auth' });
    throw e;
  }
}

/** The policy's reading of a buffered body: JSON when the content type says so (read once, strictly:
 * the policy judges the value the upstream will read), else text. */
function bodyValue(req: IncomingMessage, raw: Buffer): unknown {
  return raw.length && isJson(req.headers['content-type']) ? readJson(raw) : raw.toString('utf8');
}

function refuse(d: Decision): WardenError {
  if (d.outcome === 'redact') {
    // Fail closed: the http door has no guard that could carry out a redaction.
    return new WardenError('WARDEN_E_POLICY_DENIED', 'a policy asks for redaction, which the http door cannot perform', { rule: d.rule });
  }
  const e = decisionToError(d);
  // APISIX renders the policy's reason verbatim as `message`.
  return d.outcome === 'deny' ? new WardenError(e.code, d.reason ?? 'request denied by policy', { status: e.status, headers: e.headers, rule: d.rule }) : e;
}

/** One request through the http door: what each stage fills for the next. */
interface HttpCtx {
  gw: Gateway;
  snap: Snapshot;
  req: IncomingMessage;
  res: ServerResponse;
  route: CompiledRoute;
  path: string;
  query: string;
  ex: Exchange;
  who: ReturnType<typeof identify>;
  raw: Buffer | null;
  policyBody?: { value: unknown; size: number };
  decision?: Decision;
  /** The query that is forwarded (credential parameters dropped); the policy reads this one. */
  q: string;
}

/** The http door's part of each stage (src/runtime/stages.ts holds the order). */
const HTTP_STAGES: DoorStages<HttpCtx> = {
  identify(c) {
    assertUnambiguous(c.req.rawHeaders);
    if (c.route.cfg.key_auth.enabled) c.who = identify(c.gw, c.req, c.query, c.route);
    c.ex.key = c.who.key;
    c.ex.consumer = c.who.consumer;
  },
  async read(c) {
    const { req, route, snap } = c;
    const limit = route.cfg.body_limit_bytes ?? snap.config.server.body_limit_bytes;
    const declared = req.headers['content-length'];
    const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    // The whole body is received (bounded by the limit and server.body_timeout_ms) before an
    // upstream connection is taken: a slow or silent upload holds none (docs/http-door.md).
    c.raw = hasBody ? await readBody(req, limit, snap.config.server.body_timeout_ms, route.cfg.body_limit_bytes ? 'routes[].body_limit_bytes' : 'server.body_limit_bytes') : null;
    c.policyBody = c.raw && snap.policy.needsBody ? { value: bodyValue(req, c.raw), size: c.raw.length } : undefined;
  },
  async authorize(c) {
    const { gw, snap, route, ex, who } = c;
    c.q = stripKeyParams(route.cfg.hide_credentials && who.fromQuery ? stripKeyFromQuery(c.query) : c.query);
    const doc = httpDocument({ req: c.req, path: c.path, query: c.q, route, consumer: who.consumer, key: who.key, sessionId: ex.sessionId, body: c.policyBody, time: ex.start });
    const pending = evaluate(snap.policy, doc, { route: route.id });
    let decision = pending instanceof Promise ? await pending : pending;
    if (decision.outcome === 'ask') decision = await resolveAsk(gw.approvals, decision, doc, snap.policy.approvals);
    ex.decision = toDecisionRecord(decision);
    if (decision.outcome !== 'allow') throw refuse(decision);
    c.decision = decision;
  },
  forward(c) {
    const { gw, res, ex, route, req, who, raw } = c;
    if (res.destroyed) {
      ex.clientAborted = true;
      ex.status = 499;
      gw.finish(ex);
      return;
    }
    const node = route.balancer.pick();
    if (!node) throw new WardenError('WARDEN_E_UPSTREAM_UNREACHABLE', `route "${route.id}" has no upstream node with a weight above 0`);
    const headers = buildUpstreamHeaders({ req, route, node, consumer: who.consumer, requestId: ex.id, contentLength: raw?.length, policyHeaders: c.decision?.upstreamHeaders });
    assertNoWardenKey(c.path + c.q, headers, route.cfg.hide_credentials ? undefined : CREDENTIAL_HEADERS);
    forwardHttp(req, res, ex, { node, balancer: route.balancer, routeId: route.id, method: req.method ?? 'GET', path: c.path + c.q, headers, body: raw }, gw.finish);
  },
  fail: (c, e) => failHttp(c.gw, c.res, c.ex, e, !c.req.complete),
};

function handle(gw: Gateway, req: IncomingMessage, res: ServerResponse, route: CompiledRoute, path: string, query: string): Promise<void> {
  const ctx: HttpCtx = { gw, snap: gw.current(), req, res, route, path, query, ex: newExchange('http', req, route.id), who: { fromQuery: false }, raw: null, q: query };
  return runStages(ctx, HTTP_STAGES);
}

/** The http door (seed 000): APIs under configured routes (`routes`). */
export const httpDoor: Door<typeof httpConfig> = {
  id: 'http',
  config: httpConfig,
  part: httpPart,
  routeIds: (config) => [{ noun: 'route', path: 'routes[].id', ids: config.routes.map((r) => r.id) }],
  attachments: (config) => config.routes,
  http: createHttpHandler,
  catchAll: true,
  fail: failHttp,
};

/**
 * Returns false when no route serves the path (the server answers 404); otherwise the
 * request is the http door's.
 */
function createHttpHandler(gw: Gateway): DoorHttpHandler {
  return function httpDoorHandler(req: IncomingMessage, res: ServerResponse, rawPath: string, query: string): boolean {
    const table = gw.current().part(httpPart);
    if (!table.routes.length) return false;
    let path: string;
    try {
      path = normalisePath(rawPath);
    } catch (e) {
      failHttp(gw, res, newExchange('http', req, '(bad path)'), e, !req.complete);
      return true;
    }
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const m = table.match(path, req.method ?? 'GET', host);
    if (!m) return false;
    if ('methodMiss' in m) {
      const ex = newExchange('http', req, m.methodMiss.id);
      res.setHeader('allow', [...(m.methodMiss.methods ?? [])].join(', '));
      failHttp(gw, res, ex, new WardenError('WARDEN_E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on route "${m.methodMiss.id}"`), !req.complete);
      return true;
    }
    void handle(gw, req, res, m.route, path, query);
    return true;
  };
}

