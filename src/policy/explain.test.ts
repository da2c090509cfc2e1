import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema } from './config.js';
import { parseDocument } from './document.js';
import { compilePolicy } from './engine.js';
import { explain, formatExplanation } from './explain.js';

const p = compilePolicy(
  policySchema.parse({
    acl: { allow: { labels: { level: ['staging', 'production'] } } },
    rules: [
      { id: 'no-prod-db', when: 'consumer.labels.level == "staging" && request.path.contains("prod")', reason: 'staging agents stay out of prod' },
      { id: 'reads', when: 'request.method == "GET"', action: 'allow' },
    ],
    permissions: { deny: ['Bash(rm -rf *)'] },
    policies: { audit: { rules: [{ id: 'deletes', when: 'request.method == "DELETE"', action: 'ask' }] } },
    attach: { consumers: { 'claude-code-staging': ['audit'] } },
  }),
);
const staging = { name: 'claude-code-staging', labels: { level: 'staging' } };

test('every source reports in order, even after a deny, and the deciding rule is named', async () => {
  const e = await explain(p, parseDocument({ door: 'http', time: 0, consumer: staging, request: { method: 'GET', path: '/api/prod/users' } }));
  assert.equal(e.decision.rule, 'rule:global.no-prod-db');
  assert.deepEqual(e.policies, [{ policy: 'global', scope: 'global' }, { policy: 'audit', scope: 'consumer' }]);
  assert.deepEqual(
    e.steps.map((s) => [s.source, s.subject, s.said]),
    [
      ['scope', 'key and consumer model globs', 'none'],
      ['acl', 'acl:global', 'allow'],
      ['rules', 'rule:global.no-prod-db', 'deny'],
      ['rules', 'rule:global.reads', 'allow'],
      ['rules', 'rule:audit.deletes', 'none'],
      ['permissions', 'permission:global', 'none'],
    ],
  );
  const text = formatExplanation(e);
  assert.match(text, /^decision: deny 403 — staging agents stay out of prod\ndecided by: rule:global\.no-prod-db\n/);
  assert.match(text, /rule:global\.no-prod-db .*deny 403 .* ◀/);
});

test('when nothing decides, the default is shown as the last step', async () => {
  const q = compilePolicy(policySchema.parse({ rules: [{ id: 'reads', when: 'request.method == "GET"', action: 'allow' }] }));
  const e = await explain(q, parseDocument({ door: 'http', time: 0, consumer: { name: 'x' }, request: { method: 'POST', path: '/api/x' } }));
  assert.equal(e.decision.rule, 'default:global.allow');
  assert.deepEqual(e.steps.at(-1), { source: 'default', scope: 'credential', policy: '-', subject: 'default:global.allow', said: 'allow', decision: { outcome: 'allow', rule: 'default:global.allow' } });
  assert.deepEqual(e.default, { outcome: 'allow', rule: 'default:global.allow' });
});
