import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesGlob } from './glob.js';
import { WardenError } from '../core/errors.js';
import { assertModelInScope, modelInScope, modelScopeViolation } from './scope.js';

// Model scope is a security decision: a glob must match the whole name, never a prefix,
// suffix or middle of it, and a glob's regex metacharacters are literal.
const globCases: Array<[glob: string, name: string, matches: boolean]> = [
  ['claude-haiku-*', 'claude-haiku-4-5', true],
  ['claude-haiku-*', 'claude-haiku-', true],
  ['claude-haiku-*', 'xclaude-haiku-4-5', false],
  ['claude-haiku-*', 'claude-opus-4-1#claude-haiku-4-5', false],
  ['*-haiku', 'claude-haiku', true],
  ['*-haiku', 'claude-haiku-4-5', false],
  ['claude-?-haiku', 'claude-3-haiku', true],
  ['claude-?-haiku', 'claude-35-haiku', false],
  ['claude-?-haiku', 'claude-3-haiku-x', false],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5', true],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', false],
  ['claude-sonnet-4-5', 'aclaude-sonnet-4-5', false],
  ['claude.sonnet*', 'claudeXsonnet-4', false],
  ['claude.sonnet*', 'claude.sonnet-4', true],
  ['claude-(a|b)*', 'claude-a', false],
  ['claude-(a|b)*', 'claude-(a|b)-1', true],
  ['claude-(a|b)*', 'claude-(a', false],
  ['claude-haiku|*', 'claude-opus-4-1', false],
  ['claude-haiku|*', 'claude-haiku|x', true],
  ['claude-[ab]*', 'claude-a1', false],
  ['claude-$*', 'claude-$1', true],
  ['claude-\\d*', 'claude-1', false],
  ['claude-\\d*', 'claude-\\d1', true],
  ['claude-+*', 'claude--', false],
  ['*', 'anything-at-all', true],
  ['claude-*-4-5', 'claude-sonnet-4-5', true],
  ['claude-*-4-5', 'claude-sonnet-4-5-evil', false],
  ['claude-*-4-5', 'claude-sonnet-4-50', false],
  // Globs without wildcards compare literally, whatever regex metacharacters they hold.
  ['claude.sonnet', 'claudeXsonnet', false],
  ['claude.sonnet', 'claude.sonnet', true],
  ['a|b', 'a', false],
  ['a|b', 'a|b', true],
  ['(a)', 'a', false],
  ['x+', 'xx', false],
  ['^a$', 'a', false],
  ['^a$', '^a$', true],
  ['a\\d', 'a1', false],
  ['a\\d', 'a\\d', true],
  ['[a]', 'a', false],
  ['a{2}', 'aa', false],
  ['', '', true],
  ['', 'a', false],
];

test('model globs match the whole name, metacharacters literal', () => {
  for (const [glob, name, want] of globCases) {
    assert.equal(matchesGlob(name, glob), want, `${glob} ~ ${name}`);
  }
});

test('model scope: key scope and consumer scope both hold, empty allows all', () => {
  const key = { id: 'key_1', models: ['claude-haiku-*'] };
  const consumer = { name: 'alice', models: ['claude-haiku-4-*', 'claude-sonnet-*'] };
  const rows: Array<[model: string, rule: string | null]> = [
    ['claude-haiku-4-5', null],
    ['claude-haiku-3', 'scope.consumer.models'],
    ['claude-sonnet-4-5', 'scope.key.models'],
    ['claude-haiku-4-5-evil-suffix', null],
    ['x-claude-haiku-4-5', 'scope.key.models'],
    ['claude-opus-4-1', 'scope.key.models'],
  ];
  for (const [model, rule] of rows) {
    assert.equal(modelScopeViolation(model, key, consumer)?.rule ?? null, rule, model);
  }
  assert.equal(modelScopeViolation('anything', { id: 'k', models: [] }, { name: 'c', models: [] }), null);
  const v = modelScopeViolation('claude-opus-4-1', key, undefined);
  assert.match(v?.reason ?? '', /claude-opus-4-1.*key_1.*claude-haiku-\*/);
});

test('modelInScope and assertModelInScope agree with modelScopeViolation', () => {
  const key = { id: 'key_1', models: ['claude-haiku-*'] };
  const consumer = { name: 'alice', models: ['claude-haiku-4-*'] };
  const rows: Array<[model: string, rule: string | null]> = [
    ['claude-haiku-4-5', null],
    ['claude-haiku-3', 'scope.consumer.models'],
    ['claude-opus-4-1', 'scope.key.models'],
    ['xclaude-haiku-4-5', 'scope.key.models'],
  ];
  for (const [model, rule] of rows) {
    assert.equal(modelInScope(model, key, consumer), rule === null, model);
    if (rule === null) {
      assert.doesNotThrow(() => assertModelInScope(model, key, consumer), model);
      continue;
    }
    assert.throws(
      () => assertModelInScope(model, key, consumer),
      (e: unknown) => e instanceof WardenError && e.code === 'WARDEN_E_MODEL_NOT_ALLOWED' && e.rule === rule && e.message.includes(model),
      model,
    );
  }
  assert.equal(modelInScope('anything', { id: 'k', models: [] }, { name: 'c', models: [] }), true);
});
