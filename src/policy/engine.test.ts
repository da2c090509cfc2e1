import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpaServer, type OpaServer } from '../../test/support/opa-server.js';
import { ConfigError } from '../config/load.js';
import { policySchema } from './config.js';
import { decisionToError, type Decision } from './decision.js';
import { parseDocument, type DecisionDocumentInput } from './document.js';
import { compilePolicy, evaluate, type CompiledPolicy } from './engine.js';

const compile = (raw: unknown) => compilePolicy(policySchema.parse(raw));
const doc = (over: Partial<DecisionDocumentInput> = {}) =>
  parseDocument({ door: 'http', time: 0, consumer: { name: 'claude-code-staging', groups: ['agents'], labels: { level: 'staging' } }, request: { method: 'GET', path: '/api/x' }, ...over });
const sync = (p: CompiledPolicy, d = doc(), scopes?: { consumer?: string; route?: string }): Decision => {
  const r = evaluate(p, d, scopes);
  assert.ok(!(r instanceof Promise), 'without OPA the answer is synchronous');
  return r;
};

test('no policy at all: the default decides, synchronously', () => {
  assert.deepEqual(sync(compile({})), { outcome: 'allow', rule: 'default:global.allow' });
  assert.deepEqual(sync(compile({ default: 'deny' })), { outcome: 'deny', rule: 'default:global.deny', status: 403, reason: 'no policy rule allows this request and the default is deny' });
});

test('deny wins over allow and ask, ask over allow; the first deny in source order is reported', () => {
  const p = compile({
    acl: { allow: { labels: { level: ['staging'] } } },
    rules: [
      { id: 'ok', when: 'true', action: 'allow' },
      { id: 'confirm', when: 'request.method == "DELETE"', action: 'ask' },
      { id: 'no-admin', when: 'request.path.startsWith("/api/admin")', reason: 'admin is off limits' },
    ],
  });
  assert.deepEqual(sync(p), { outcome: 'allow', rule: 'acl:global.allow.labels.level' });
  assert.equal(sync(p, doc({ request: { method: 'DELETE', path: '/api/x' } })).rule, 'rule:global.confirm');
  assert.deepEqual(sync(p, doc({ request: { method: 'DELETE', path: '/api/admin/x' } })), { outcome: 'deny', rule: 'rule:global.no-admin', reason: 'admin is off limits', status: 403 });
  assert.equal(sync(p, doc({ consumer: { name: 'prod', labels: { level: 'production' } } })).rule, 'acl:global.allow', 'ACL runs before rules');
});

test('policies attach at door, route and consumer scope; deny wins across scopes', () => {
  const p = compile({
    rules: [{ id: 'everyone', when: 'true', action: 'allow' }],
    policies: {
      'staging-guard': { rules: [{ id: 'no-prod', when: 'request.path.contains("prod")', reason: 'staging agents stay out of prod' }] },
      'prod-db': { default: 'deny' },
      'mcp-only': { acl: { deny: { groups: ['agents'] } } },
    },
    attach: { consumers: { 'claude-code-staging': ['staging-guard'] }, routes: { 'prod-db': ['prod-db'] }, doors: { mcp: ['mcp-only'] } },
  });
  const prodPath = doc({ request: { method: 'GET', path: '/api/prod/x' } });
  assert.equal(sync(p, prodPath).rule, 'rule:staging-guard.no-prod', 'consumer scope denies despite a global allow');
  assert.equal(sync(p, doc({ consumer: { name: 'ops' }, request: { method: 'GET', path: '/api/prod/x' } })).outcome, 'allow', 'other consumers are not bound by it');
  assert.equal(sync(p, doc(), { consumer: 'someone-else' }).outcome, 'allow', 'scopes.consumer overrides the document');
  assert.equal(sync(p, doc({ door: 'mcp' })).rule, 'acl:mcp-only.deny.groups');
  assert.equal(sync(p, doc({ door: 'llm' })).outcome, 'allow');
  // A route whose policy defaults to deny: the global allow rule still allows (an allow is an allow)…
  assert.equal(sync(p, doc({ route: { id: 'prod-db' } })).outcome, 'allow');
  // …but without it, the tightened default decides.
  const q = compile({ policies: { 'prod-db': { default: 'deny' } }, attach: { routes: { 'prod-db': ['prod-db'] } } });
  assert.deepEqual(sync(q, doc(), { route: 'prod-db' }).rule, 'default:prod-db.deny');
  assert.equal(sync(q, doc({ route: { id: 'other' } })).rule, 'default:global.allow');
});

test('model scope: key and consumer globs deny with WARDEN_E_MODEL_NOT_ALLOWED naming the model and the globs', () => {
  const p = compile({});
  const llm = (model: string, keyModels: string[], consumerModels: string[] = []) =>
    doc({ door: 'llm', llm: { model }, key: { id: 'key_1', models: keyModels }, consumer: { name: 'dev', models: consumerModels } });
  assert.equal(sync(p, llm('claude-haiku-4-5', ['claude-haiku-*'])).outcome, 'allow');
  const d = sync(p, llm('claude-opus-4-1', ['claude-haiku-*', 'claude-sonnet-*']));
  assert.deepEqual(d, { outcome: 'deny', rule: 'scope.key.models', code: 'WARDEN_E_MODEL_NOT_ALLOWED', status: 403, reason: 'model "claude-opus-4-1" is not allowed for key key_1; allowed: claude-haiku-*, claude-sonnet-*' });
  const e = decisionToError(d);
  assert.equal(e.code, 'WARDEN_E_MODEL_NOT_ALLOWED');
  assert.equal(e.message, d.reason);
  assert.equal(sync(p, llm('claude-opus-4-1', [], ['claude-sonnet-*'])).rule, 'scope.consumer.models');
  const allowAll = compile({ rules: [{ id: 'all', when: 'true', action: 'allow' }] });
  assert.equal(sync(allowAll, llm('gpt-4o', ['claude-*'])).outcome, 'deny', 'no rule can widen the model scope');
});

test('redact: allowed requests carry the union of detectors; redaction never grants', () => {
  const p = compile({
    rules: [
      { id: 'r1', when: 'true', action: 'redact', redact: ['secrets'] },
      { id: 'r2', when: 'door == "http"', action: 'redact', redact: ['pii', 'secrets'] },
    ],
  });
  assert.deepEqual(sync(p), { outcome: 'redact', rule: 'rule:global.r1', redact: ['secrets', 'pii'] });
  const strict = compile({ default: 'deny', rules: [{ id: 'r1', when: 'true', action: 'redact', redact: ['secrets'] }] });
  assert.equal(sync(strict).outcome, 'deny');
});

test('policy denials become WARDEN_E_POLICY_DENIED with status, reason and rule', () => {
  const p = compile({ acl: { deny: ['claude-code-staging'], rejected_code: 451, rejected_msg: 'not you' } });
  const e = decisionToError(sync(p));
  assert.equal(e.code, 'WARDEN_E_POLICY_DENIED');
  assert.equal(e.status, 451);
  assert.equal(e.rule, 'acl:global.deny.consumers');
  assert.equal(e.message, 'not you (rule acl:global.deny.consumers)');
  assert.throws(() => decisionToError({ outcome: 'allow', rule: 'x' }));
});

test('load-time errors are refused with their config paths', () => {
  const bad = policySchema.parse({
    rules: [{ id: 'a', when: 'consumer.name ==' }],
    policies: { x: { rules: [{ id: 'b', when: 'nope == 1' }] }, global: {} },
    attach: { global: ['missing'], consumers: { alice: ['x', 'gone'] }, routes: { r1: ['global'] } },
  });
  assert.throws(() => compilePolicy(bad), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    const text = e.problems.join('\n');
    for (const path of ['policy.rules[0].when', 'policy.policies.x.rules[0].when', 'policy.policies.global:', 'policy.attach.global[0]', 'policy.attach.consumers.alice[1]', 'policy.attach.routes.r1[0]']) {
      assert.ok(text.includes(path), `${path} missing in:\n${text}`);
    }
    return true;
  });
  const unknown = policySchema.safeParse({ rules: [{ id: 'a', when: 'true', acton: 'deny' }], opa: { host: 'http://x', policy: 'p', with_bdy: {} } });
  assert.ok(!unknown.success);
  assert.deepEqual(unknown.error.issues.map((i) => [i.code, i.path.join('.')]), [['unrecognized_keys', 'rules.0'], ['unrecognized_keys', 'opa']]);
});

describe('with an OPA source', () => {
  let opa: OpaServer;
  before(async () => (opa = await startOpaServer((input) => ({ allow: input.request.method !== 'DELETE', headers: { 'x-tenant': 't1' } }))));
  after(() => opa.close());

  test('only then the answer is a Promise; a synchronous deny skips the call; upstream headers reach the final decision', async () => {
    const p = compile({ rules: [{ id: 'no-admin', when: 'request.path.startsWith("/api/admin")' }], policies: { ext: { opa: { host: opa.url, policy: 'warden/allow', send_headers_upstream: ['x-tenant'] } } }, attach: { routes: { api: ['ext'] } } });
    try {
      assert.ok(!(evaluate(p, doc()) instanceof Promise), 'route without OPA: synchronous');
      const r = evaluate(p, doc({ route: { id: 'api' } }));
      assert.ok(r instanceof Promise);
      assert.deepEqual(await r, { outcome: 'allow', rule: 'opa:ext', upstreamHeaders: { 'x-tenant': 't1' } });
      assert.deepEqual(await evaluate(p, doc({ route: { id: 'api' }, request: { method: 'DELETE', path: '/api/x' } })), { outcome: 'deny', rule: 'opa:ext', status: 403, headers: { 'x-tenant': 't1' } }, 'result.headers go on the refusal');
      const calls = opa.calls.length;
      assert.equal((await evaluate(p, doc({ route: { id: 'api' }, request: { method: 'GET', path: '/api/admin/x' } }))).rule, 'rule:global.no-admin');
      assert.equal(opa.calls.length, calls, 'OPA was not asked');
    } finally {
      await p.close();
    }
  });
});
