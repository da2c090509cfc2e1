import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAcl, evaluateAcl } from './acl.js';
import { aclSchema } from './config.js';
import { parseDocument } from './document.js';

const doc = (consumer: unknown) => parseDocument({ door: 'http', time: 0, consumer });
const acl = (raw: unknown) => compileAcl(aclSchema.parse(raw), 'global');
const staging = { name: 'claude-code-staging', groups: ['agents'], labels: { level: 'staging' } };
const prod = { name: 'claude-code-prod', groups: ['agents', 'ops'], labels: { level: 'production' } };

test('APISIX shorthand: allow and deny lists of consumer names', () => {
  const a = acl({ allow: ['claude-code-staging'], deny: ['claude-code-prod'] });
  assert.deepEqual(evaluateAcl(a, doc(staging)), { outcome: 'allow', rule: 'acl:global.allow.consumers' });
  assert.deepEqual(evaluateAcl(a, doc(prod)), { outcome: 'deny', rule: 'acl:global.deny.consumers', reason: 'The consumer is forbidden.', status: 403 });
  assert.equal(evaluateAcl(a, doc({ name: 'someone-else' }))?.rule, 'acl:global.allow', 'not on the allow list → refused');
});

test('deny is checked before allow', () => {
  const a = acl({ allow: { groups: ['agents'] }, deny: { groups: ['ops'] } });
  assert.equal(evaluateAcl(a, doc(prod))?.outcome, 'deny');
  assert.equal(evaluateAcl(a, doc(staging))?.outcome, 'allow');
});

test('labels are matched by name and value (permission levels)', () => {
  const a = acl({ allow: { labels: { level: ['sandbox', 'staging'] } }, rejected_code: 451, rejected_msg: 'production agents use the prod gateway' });
  assert.deepEqual(evaluateAcl(a, doc(staging)), { outcome: 'allow', rule: 'acl:global.allow.labels.level' });
  assert.deepEqual(evaluateAcl(a, doc(prod)), { outcome: 'deny', rule: 'acl:global.allow', reason: 'production agents use the prod gateway', status: 451 });
  const d = acl({ deny: { labels: { level: ['production'] } } });
  assert.equal(evaluateAcl(d, doc(prod))?.rule, 'acl:global.deny.labels.level');
  assert.equal(evaluateAcl(d, doc(staging)), null, 'only a deny list and no match: no opinion');
});

test('no consumer at all → 401', () => {
  const a = acl({ deny: ['x'] });
  assert.deepEqual(evaluateAcl(a, doc(null)), { outcome: 'deny', rule: 'acl:global', reason: 'Missing authentication.', status: 401, code: 'WARDEN_E_AUTH_MISSING' });
});

test('a shorthand list matches consumer names only, whatever labels the consumer carries', () => {
  const a = acl({ allow: ['claude-code-staging'] });
  for (const labels of [{}, { S: 't' }, { level: 'staging' }])
    assert.equal(evaluateAcl(a, doc({ name: 'someone-else', labels }))?.outcome, 'deny', JSON.stringify(labels));
});
