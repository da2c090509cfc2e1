/**
 * The OPA source: POST {host}/v1/data/{policy} over a keep-alive undici Pool, one deadline
 * for the whole call, a cap on the bytes read. Fails closed: unreachable or slow → 403,
 * an answer that is not a decision → 503 (the APISIX contract).
 */
import { Pool } from 'undici';
import type { OpaConfig } from '../config.js';
import type { Decision } from '../decision.js';
import type { DecisionDocument } from '../document.js';
import { badAnswer, readOpaAnswer } from './answer.js';
import { buildOpaInput } from './input.js';

export class OpaSource {
  readonly rule: string;
  readonly withBody: boolean;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly sendUpstream: readonly string[] | undefined;

  constructor(
    readonly cfg: OpaConfig,
    readonly policy: string,
  ) {
    const url = new URL(cfg.host);
    this.rule = `opa:${policy}`;
    this.withBody = cfg.with_body !== undefined;
    this.sendUpstream = cfg.send_headers_upstream;
    this.path = `${url.pathname.replace(/\/+$/, '')}/v1/data/${cfg.policy}`;
    this.pool = new Pool(url.origin, {
      connections: cfg.keepalive_pool,
      keepAliveTimeout: cfg.keepalive_timeout_ms,
      keepAliveMaxTimeout: cfg.keepalive_timeout_ms,
      connectTimeout: Math.min(cfg.timeout_ms, 10_000),
      headersTimeout: cfg.timeout_ms,
      bodyTimeout: cfg.timeout_ms,
      // ssl_verify: false is for test setups only (threat: a spoofed policy server allowing everything).
      connect: { rejectUnauthorized: cfg.ssl_verify },
    });
  }

  /** Asks OPA about one request. Never rejects: every failure is a (fail-closed) decision. */
  async decide(doc: DecisionDocument): Promise<Decision> {
    let body: string;
    try {
      body = JSON.stringify(buildOpaInput(doc, this.cfg));
    } catch (e) {
      // A body that cannot be serialised (a BigInt, a cycle) must not turn into an allow.
      return { outcome: 'deny', rule: this.rule, code: 'WARDEN_E_POLICY_UNAVAILABLE', status: 403, reason: `the OPA input could not be built: ${(e as Error).message}` };
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.cfg.timeout_ms);
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: ac.signal,
        // keepalive: false → close the connection after each call, as APISIX does.
        reset: !this.cfg.keepalive,
      });
      const text = await readCapped(res.body, res.headers['content-length'], this.cfg.max_answer_bytes);
      if (text === null) return badAnswer(this.rule, `the answer is larger than ${this.cfg.max_answer_bytes} bytes (opa.max_answer_bytes)`);
      return readOpaAnswer(text, this.rule, this.sendUpstream);
    } catch (e) {
      return unavailable(this.rule, this.cfg, ac.signal.aborted, e);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function unavailable(rule: string, cfg: OpaConfig, timedOut: boolean, e: unknown): Decision {
  const code = (e as { code?: string }).code;
  const why = timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
    ? `did not answer within ${cfg.timeout_ms} ms (opa.timeout_ms)`
    : `could not be reached (${code ?? (e as Error).name ?? 'error'})`;
  // Threat: an attacker who can slow or cut the policy server must not get requests through.
  return { outcome: 'deny', rule, code: 'WARDEN_E_POLICY_UNAVAILABLE', status: 403, reason: `the policy server ${new URL(cfg.host).host} ${why}` };
}

type BodyStream = AsyncIterable<Buffer> & { destroy(err?: Error): unknown };

/** Reads at most `cap` bytes; null when the answer is larger (the stream is destroyed). */
async function readCapped(body: BodyStream, contentLength: string | string[] | undefined, cap: number): Promise<string | null> {
  if (typeof contentLength === 'string' && Number(contentLength) > cap) {
    body.destroy();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
