/**
 * Seed 000 end to end at the engine: APISIX-style consumers with permission levels, an ACL
 * on the route, an external OPA that reads the request body, and an "ask" answered by a
 * human through `warden approvals approve`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { resolveAsk } from '../../src/approvals/gate.js';
import { openSqliteApprovals } from '../../src/approvals/sqlite.js';
import { approvalsCommand } from '../../src/cli/approvals.js';
import { policySchema } from '../../src/policy/config.js';
import { decisionToError, PolicyDeniedError } from '../../src/policy/decision.js';
import { parseDocument } from '../../src/policy/document.js';
import { compilePolicy, evaluate, type CompiledPolicy } from '../../src/policy/engine.js';
import { startOpaServer, type OpaServer } from '../support/opa-server.js';

const REASON = 'access to production database is not allowed for staging agent';
const consumers = {
  'claude-code-staging': { name: 'claude-code-staging', groups: ['agents'], labels: { level: 'staging' } },
  'claude-code-prod': { name: 'claude-code-prod', groups: ['agents'], labels: { level: 'production' } },
};

const yaml = (opaUrl: string) => `
policies:
  claude-code-api:
    acl:
      allow: [claude-code-staging]
      deny: [claude-code-prod]
    rules:
      - id: schema-changes
        when: 'request.body.query.lowerAscii().matches("^\\\\s*(drop|alter)\\\\b")'
        action: ask
        reason: schema changes need a human
        approvers: [db-owner]
    opa:
      host: ${opaUrl}
      policy: claude_code_rules
      with_consumer: true
      with_route: true
      with_body: { max_bytes: 65536 }
attach:
  routes:
    claude-code-api: [claude-code-api]
`;

const query = (consumer: keyof typeof consumers, body: Record<string, unknown>) =>
  parseDocument({
    door: 'http',
    time: Date.now(),
    consumer: consumers[consumer],
    request: { method: 'POST', path: '/api/database/query', headers: { 'x-context': 'user-asked-for-data-analysis' }, body },
    route: { id: 'claude-code-api', uri: '/api/*' },
  });

describe('seed 000: permission guards at the gateway', () => {
  let opa: OpaServer;
  let policy: CompiledPolicy;
  before(async () => {
    opa = await startOpaServer((input) => {
      if (input.consumer?.labels?.level === 'staging' && input.request?.body?.database === 'prod') return { allow: false, reason: REASON };
      return { allow: true };
    });
    policy = compilePolicy(policySchema.parse(parse(yaml(opa.url))));
  });
  after(async () => {
    await policy.close();
    await opa.close();
  });

  test('the body is needed, so doors must fill it', () => assert.equal(policy.needsBody, true));

  test('staging agent asks for the production database → 403 with the OPA reason', async () => {
    const d = await evaluate(policy, query('claude-code-staging', { query: 'SELECT * FROM users', database: 'prod' }));
    assert.deepEqual(d, { outcome: 'deny', rule: 'opa:claude-code-api', status: 403, reason: REASON });
    const e = decisionToError(d);
    assert.ok(e instanceof PolicyDeniedError);
    assert.equal(e.status, 403);
    assert.equal(e.decision.reason, REASON, 'the door can render the reason verbatim, as APISIX does');
  });

  test('it retries with the staging database → allowed', async () => {
    assert.deepEqual(await evaluate(policy, query('claude-code-staging', { query: 'SELECT * FROM users', database: 'staging' })), { outcome: 'allow', rule: 'acl:claude-code-api.allow.consumers' });
  });

  test('the production consumer is refused by the ACL before OPA is asked', async () => {
    const calls = opa.calls.length;
    const d = await evaluate(policy, query('claude-code-prod', { query: 'SELECT 1', database: 'prod' }));
    assert.deepEqual(d, { outcome: 'deny', rule: 'acl:claude-code-api.deny.consumers', reason: 'The consumer is forbidden.', status: 403 });
    assert.equal(opa.calls.length, calls);
  });

  test('a schema change needs an approval; once approved the identical request passes', async () => {
    const store = openSqliteApprovals(':memory:');
    const gate = { pendingTtlMs: policy.approvals.pendingTtlMs, grantTtlMs: policy.approvals.grantTtlMs };
    const body = { query: 'ALTER TABLE users ADD COLUMN x int', database: 'staging' };
    const asked = await resolveAsk(store, await evaluate(policy, query('claude-code-staging', body)), query('claude-code-staging', body), gate);
    assert.equal(asked.outcome, 'ask');
    const err = decisionToError(asked);
    assert.equal(err.code, 'WARDEN_E_APPROVAL_REQUIRED');
    assert.ok(err.message.includes(asked.approval!));
    const pending = await store.get(asked.approval!);
    assert.deepEqual(pending?.approvers, ['db-owner']);
    assert.equal(pending?.summary, 'http · POST /api/database/query · route claude-code-api · body {"database":"staging","query":"ALTER TABLE users ADD COLUMN x int"}');
    await store.decide(asked.approval!, { status: 'approved', by: 'db-owner', now: Date.now(), expires: Date.now() + 60_000 });
    const again = await resolveAsk(store, await evaluate(policy, query('claude-code-staging', body)), query('claude-code-staging', body), gate);
    assert.deepEqual(again, { outcome: 'allow', rule: 'rule:claude-code-api.schema-changes', approval: asked.approval, reason: 'approved by db-owner' });
    store.close();
  });
});
