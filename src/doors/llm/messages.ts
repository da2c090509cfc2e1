import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError, asWardenError } from '../../core/errors.js';
import type { Exchange } from '../../core/exchange.js';
import { extractCredential, TOKEN_DENIALS } from '../../identity/credential.js';
import { toolCallFingerprint } from '../../limits/loop.js';
import { decisionToError, toDecisionRecord } from '../../policy/decision.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import { readJson, readJsonObjectLazily, type LazyJsonObject } from '../../core/json/read.js';
import { reserialize } from '../../guards/reserialize.js';
import { readBody } from '../shared/body.js';
import { upstreamRequestHeaders } from '../shared/headers.js';
import { authorizeLlm, llmDocument, offeredTools } from './authorize.js';
import { forward } from './forward.js';
import { checkModelName } from './model-name.js';
import { responseGuarding } from './response-guard.js';
import { buildMockAnswer, estimateTokens } from './mock-provider.js';
import { sendAnthropicError } from './render-error.js';
import { emptyUsage } from './usage.js';
import { llmPart } from './part.js';
import type { Provider } from './providers.js';
import type { Snapshot } from '../../runtime/snapshot.js';
import { runStages, type DoorStages } from '../../runtime/stages.js';
import type { DecisionDocument } from '../../policy/document.js';
import type { Identified } from '../../identity/identity.js';
import type { Decision } from '../../policy/decision.js';

/** Codes that are decisions (someone was refused), as opposed to faults. */
const DENIALS = new Set([
  'WARDEN_E_AUTH_MISSING', 'WARDEN_E_AUTH_INVALID', 'WARDEN_E_AUTH_EXPIRED', 'WARDEN_E_AUTH_REVOKED', 'WARDEN_E_AUTH_CONSUMER_UNKNOWN',
  'WARDEN_E_MODEL_NOT_ALLOWED', 'WARDEN_E_POLICY_DENIED', 'WARDEN_E_APPROVAL_REQUIRED', 'WARDEN_E_GUARD_REJECTED',
  'WARDEN_E_RATE_LIMITED', 'WARDEN_E_BUDGET_EXHAUSTED', 'WARDEN_E_LOOP_DETECTED', 'WARDEN_E_LIMITER_UNAVAILABLE', 'WARDEN_E_POLICY_UNAVAILABLE',
  ...TOKEN_DENIALS,
]);

export interface ParsedMessagesRequest {
  model: string;
  stream: boolean;
  /** The body's top-level members; `whole()` only where a stage reads (or redacts) everything. */
  body: LazyJsonObject;
}

/** The whole body, parsed at once: what the request guard reads and may redact. */
class WholeObject implements LazyJsonObject {
  constructor(private readonly obj: Record<string, unknown>) {}
  get(key: string): unknown {
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }
  whole(): Record<string, unknown> {
    return this.obj;
  }
}

/**
 * `whole`: parse every value now (the request guard reads them all). Without it only the
 * members a stage asks for are parsed, after the same strict reading of the whole text
 * (src/core/json/validate.ts): bare forwarding parses `model` and `stream` and nothing else.
 */
export function parseMessagesBody(bytes: Buffer, whole = true): ParsedMessagesRequest {
  let body: LazyJsonObject;
  if (whole) {
    const json = readJson(bytes);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new WardenError('WARDEN_E_BAD_REQUEST', 'request body must be a JSON object');
    body = new WholeObject(json as Record<string, unknown>);
  } else body = readJsonObjectLazily(bytes);
  const model = body.get('model');
  if (typeof model !== 'string' || model.length === 0) throw new WardenError('WARDEN_E_MODEL_MISSING', 'model: field required (a model name string)');
  checkModelName(model);
  const stream = body.get('stream');
  if (stream !== undefined && typeof stream !== 'boolean') throw new WardenError('WARDEN_E_BAD_REQUEST', 'stream: must be a boolean');
  return { model, stream: stream === true, body };
}

/** Output tokens reserved against token limits up front: max_tokens, capped (settle records the truth). */
function reservedOutputTokens(body: LazyJsonObject): number {
  const m = body.get('max_tokens');
  return typeof m === 'number' && Number.isFinite(m) && m > 0 ? Math.min(m, 4096) : 0;
}

function isJsonContentType(v: string | undefined): boolean {
  if (!v) return false;
  const t = v.split(';', 1)[0]!.trim().toLowerCase();
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}

export function failExchange(gw: Gateway, res: ServerResponse, ex: Exchange, e: unknown, closeConnection: boolean): void {
  const err = asWardenError(e);
  if (err.code === 'WARDEN_E_INTERNAL') gw.log.error('internal error', { request_id: ex.id, error: String((e as Error)?.stack ?? e) });
  ex.status = err.status;
  ex.errorCode = err.code;
  if (DENIALS.has(err.code)) ex.decision = { outcome: 'deny', rule: err.rule ?? err.code, reason: err.message };
  gw.finish(ex);
  sendAnthropicError(res, err, ex.id, closeConnection);
}

/** One Messages request: what each stage fills for the next. */
interface MessagesCtx {
  gw: Gateway;
  snap: Snapshot;
  req: IncomingMessage;
  res: ServerResponse;
  ex: Exchange;
  upstreamPath: string;
  countTokens: boolean;
  who?: Identified;
  body?: Buffer;
  parsed?: ParsedMessagesRequest;
  provider?: Provider;
  doc?: DecisionDocument;
  forceRedact?: Set<string>;
  forwardBody?: Buffer;
}

/** The LLM door's part of each stage (src/runtime/stages.ts holds the order). */
const MESSAGES_STAGES: DoorStages<MessagesCtx> = {
  // Every stage below stays synchronous unless it has something to wait for (a body, OPA, an
  // approval, a limiter, a guard scan): a bare request pays no promise and no extra turn for it.
  identify(c) {
    // A promise only on an OIDC token's first sight: keys stay synchronous.
    const identified = c.gw.identity.authenticate(extractCredential(c.req.rawHeaders));
    if (identified instanceof Promise) return identified.then((who) => identifiedAs(c, who));
    identifiedAs(c, identified);
  },
  async read(c) {
    const { req, snap, ex } = c;
    if (!isJsonContentType(req.headers['content-type'])) throw new WardenError('WARDEN_E_CONTENT_TYPE', `content-type must be application/json (got ${JSON.stringify(req.headers['content-type'] ?? '')})`);
    c.body = await readBody(req, snap.config.server.body_limit_bytes, snap.config.server.body_timeout_ms);
    // The request guard reads (and may redact) every value; nothing else needs more than a few.
    c.parsed = parseMessagesBody(c.body, snap.requestGuard.active);
    ex.model = c.parsed.model;
    ex.stream = c.parsed.stream;
  },
  authorize(c) {
    const { snap, ex, req, gw } = c;
    const who = c.who!;
    const parsed = c.parsed!;
    const provider = snap.part(llmPart).routeModel(parsed.model);
    // The policy engine (model scope, ACL, CEL rules, OPA), an "ask" resolved by the approval store.
    c.doc = llmDocument({ req, consumer: who.consumer, key: who.key, provider: provider?.name ?? '', model: parsed.model, stream: parsed.stream, tools: snap.policy.judgesTools ? offeredTools(parsed.body.get('tools')) : [], sessionId: ex.sessionId, time: ex.start }, snap.policy.readsRequest);
    const authorized = authorizeLlm(snap, c.doc, gw.approvals);
    if (authorized instanceof Promise) return authorized.then((d) => decided(c, provider, d));
    decided(c, provider, authorized);
  },
  limit(c) {
    const limiter = c.snap.limits.limiter;
    if (!limiter || c.countTokens) return;
    const parsed = c.parsed!;
    return limiter
      .check({
        keyId: c.who!.key.id,
        consumer: c.who!.consumer,
        sessionId: c.ex.sessionId,
        model: parsed.model,
        estimatedInputTokens: estimateTokens(c.body!.length),
        estimatedOutputTokens: reservedOutputTokens(parsed.body),
        toolCall: limiter.readsToolCalls ? toolCallFingerprint(parsed.body.get('messages')) : undefined,
      })
      .then((admission) => {
        c.ex.admission = admission;
      });
  },
  guard(c) {
    // count_tokens too: it carries the whole conversation to the provider just the same.
    c.forwardBody = c.body;
    if (c.snap.requestGuard.active) return guardRequest(c);
  },
  forward(c) {
    const { gw, snap, res, ex, req, countTokens } = c;
    const provider = c.provider!;
    if (provider.type === 'mock') return answerFromMock(c, provider);
    forward(res, ex, {
      provider,
      method: 'POST',
      path: c.upstreamPath,
      headers: upstreamRequestHeaders(req.rawHeaders),
      body: c.forwardBody ?? c.body!,
      maxScanBytes: 8 * 1024 * 1024,
      guard: countTokens ? undefined : responseGuarding(gw, snap, ex, c.parsed!.body, c.doc!, c.forceRedact),
    }, gw.finish);
  },
  fail: (c, e) => failExchange(c.gw, c.res, c.ex, e, !c.req.complete),
};

function identifiedAs(c: MessagesCtx, who: Identified): void {
  c.who = who;
  c.ex.key = who.key;
  c.ex.consumer = who.consumer;
  c.ex.principal = who.principal;
}

function decided(c: MessagesCtx, provider: Provider | undefined, decision: Decision): void {
  const { snap, ex } = c;
  const parsed = c.parsed!;
  ex.decision = toDecisionRecord(decision);
  if (decision.outcome === 'deny' || decision.outcome === 'ask') throw decisionToError(decision);
  if (decision.outcome === 'redact') {
    c.forceRedact = new Set(decision.redact);
    const missing = [...c.forceRedact].filter((d) => !snap.requestGuard.has(d));
    // Fail closed: a redaction the guards cannot carry out must not become a pass.
    if (missing.length) throw new WardenError('WARDEN_E_POLICY_DENIED', `policy rule ${decision.rule} requires redaction by ${missing.join(', ')}, which is not enabled under guards`, { rule: decision.rule });
  }
  if (!provider) throw new WardenError('WARDEN_E_NO_ROUTE', `no provider is routed for model "${parsed.model}" (add a models[] entry)`);
  ex.provider = provider.name;
  c.provider = provider;
}

async function guardRequest(c: MessagesCtx): Promise<void> {
  const guard = c.snap.requestGuard;
  const { ex, gw } = c;
  const g = await guard.inspect(c.parsed!.body.whole(), c.who!.consumer.name, c.forceRedact);
  for (const [detector, n] of g.counts) gw.metrics.guardFindings.inc(['request', detector], n);
  if (g.action !== 'none') {
    const reason = `${g.action}: ${g.findings.join(', ')}`;
    // A redaction is the guard's decision; findings only logged annotate the policy's.
    ex.decision = g.action === 'redact' ? { outcome: 'redact', rule: 'guards', reason } : { ...ex.decision!, reason };
  }
  // Only a redaction changes bytes; everything else is forwarded as the client sent it.
  if (g.changed) c.forwardBody = reserialize(c.parsed!.body.whole());
}

async function answerFromMock(c: MessagesCtx, provider: Extract<Provider, { type: 'mock' }>): Promise<void> {
  const { gw, res, ex, countTokens } = c;
  const body = c.body!;
  if (provider.latencyMs) await new Promise((r) => setTimeout(r, provider.latencyMs));
  if (res.destroyed) {
    ex.clientAborted = true;
    ex.status = 499;
    gw.finish(ex);
    return;
  }
  if (countTokens) {
    const out = JSON.stringify({ input_tokens: estimateTokens(body.length) });
    ex.status = 200;
    gw.finish(ex);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-warden-request-id': ex.id });
    res.end(out);
    return;
  }
  const answer = buildMockAnswer(c.parsed!.body.whole() as { model: string; stream?: boolean }, body.length);
  ex.status = 200;
  ex.usage = { ...emptyUsage(), inputTokens: answer.inputTokens, outputTokens: answer.outputTokens };
  ex.tools = [];
  gw.finish(ex);
  res.writeHead(200, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body), 'x-warden-request-id': ex.id });
  res.end(answer.body);
}

/** POST /v1/messages and /v1/messages/count_tokens, through the shared stages. */
export function handleMessages(gw: Gateway, req: IncomingMessage, res: ServerResponse, upstreamPath: string, countTokens: boolean): Promise<void> {
  const ex = newExchange('llm', req, countTokens ? '/v1/messages/count_tokens' : '/v1/messages');
  return runStages<MessagesCtx>({ gw, snap: gw.current(), req, res, ex, upstreamPath, countTokens }, MESSAGES_STAGES);
}
