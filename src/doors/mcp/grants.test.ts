import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantsFor } from './grants.js';

const c = (name: string, groups: string[] = [], labels: Record<string, string> = {}) => ({ name, groups, labels, models: [] });
const g = (sel: { consumers?: string[]; groups?: string[]; labels?: Record<string, string> }, tools: string[], kinds: { prompts?: string[]; resources?: string[] } = {}) => ({ consumers: [], groups: [], labels: {}, ...sel, tools, prompts: kinds.prompts ?? [], resources: kinds.resources ?? [] });

test('no applicable grant: nothing is allowed or reached (deny by default)', () => {
  const t = grantsFor([g({ consumers: ['alice'] }, ['*'])], c('bob'));
  assert.equal(t.applicable.length, 0);
  assert.equal(t.allows('gh__x'), false);
  assert.equal(t.reaches('gh'), false);
});

test('several applicable grants intersect: never the union', () => {
  const grants = [g({ groups: ['support'] }, ['crm__*', 'tickets__read']), g({ groups: ['sre'] }, ['k8s__*', 'tickets__read'])];
  const both = grantsFor(grants, c('pat', ['support', 'sre']));
  assert.equal(both.allows('tickets__read'), true);
  assert.equal(both.allows('crm__lookup'), false);
  assert.equal(both.allows('k8s__get_pods'), false);
  const support = grantsFor(grants, c('sam', ['support']));
  assert.equal(support.allows('crm__lookup'), true);
  assert.equal(support.allows('k8s__get_pods'), false);
});

test('selectors combine: consumers glob AND labels', () => {
  const grants = [g({ consumers: ['ci-*'], labels: { level: 'sandbox' } }, ['k8s__get_*'])];
  assert.equal(grantsFor(grants, c('ci-build', [], { level: 'sandbox' })).allows('k8s__get_pods'), true);
  assert.equal(grantsFor(grants, c('ci-build', [], { level: 'production' })).applicable.length, 0);
  assert.equal(grantsFor(grants, c('dev', [], { level: 'sandbox' })).applicable.length, 0);
});

test('reaches: a server is reached when every applicable grant could allow one of its tools', () => {
  const t = grantsFor([g({ consumers: ['a'] }, ['gh__create_issue', 'fs*'])], c('a'));
  assert.equal(t.reaches('gh'), true);
  assert.equal(t.reaches('fs'), true);
  assert.equal(t.reaches('fsx'), true);
  assert.equal(t.reaches('gitlab'), false);
  assert.equal(grantsFor([g({ consumers: ['a'] }, ['gh'])], c('a')).reaches('gh'), false, 'a bare server name is no tool of it');
});

test('a grant names its kinds: a tool glob grants no prompt and no resource, wildcards included', () => {
  for (const tools of [['fs__*'], ['*__read_file'], ['*']]) {
    const t = grantsFor([g({ consumers: ['a'] }, tools)], c('a'));
    assert.equal(t.grantsKind('tools'), true);
    for (const kind of ['prompts', 'resources'] as const) {
      assert.equal(t.grantsKind(kind), false, `${tools} grants no ${kind}`);
      assert.equal(t.reaches('fs', kind), false);
      assert.equal(t.permits(kind, 'fs__read_file'), false);
      assert.equal(t.permits(kind, 'fs__file:///etc/passwd'), false);
    }
  }
  const t = grantsFor([g({ consumers: ['a'] }, [], { prompts: ['docs__summarize'], resources: ['docs__file:///srv/docs/*'] })], c('a'));
  assert.equal(t.grantsKind('tools'), false);
  assert.equal(t.allows('docs__summarize'), false, 'a prompt grant is no tool grant');
  assert.equal(t.permits('prompts', 'docs__summarize'), true);
  assert.equal(t.permits('prompts', 'docs__other'), false);
  assert.equal(t.permits('resources', 'docs__file:///srv/docs/a.md'), true);
  assert.equal(t.permits('resources', 'docs__file:///etc/passwd'), false);
  assert.equal(t.reaches('docs', 'resources'), true);
  assert.equal(t.reaches('fs', 'resources'), false);
});

test('kinds intersect too: a kind one applicable grant leaves out is not granted', () => {
  const grants = [g({ groups: ['a'] }, ['fs__*'], { prompts: ['fs__*'] }), g({ groups: ['b'] }, ['fs__*'])];
  const both = grantsFor(grants, c('x', ['a', 'b']));
  assert.equal(both.allows('fs__read_file'), true);
  assert.equal(both.grantsKind('prompts'), false);
  assert.equal(both.permits('prompts', 'fs__p'), false);
  assert.equal(grantsFor(grants, c('y', ['a'])).permits('prompts', 'fs__p'), true);
});
