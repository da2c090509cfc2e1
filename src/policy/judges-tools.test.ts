/**
 * `judgesTools`: whether any policy can say something about a single tool call. The LLM door
 * holds an answer's tool calls for the judge only when it can (or tool-use rules are on); a
 * wrong `false` would let a denied call through, so every source that can decide counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema } from './config.js';
import { compilePolicy } from './engine.js';

const judges = (raw: unknown) => compilePolicy(policySchema.parse(raw)).judgesTools;

test('a policy of nothing but its default judges no tool call', () => {
  assert.equal(judges({}), false);
  assert.equal(judges({ default: 'allow' }), false);
});

test('rules, permission rules and ACLs anywhere (also in a named or attached policy) judge tool calls', async () => {
  assert.equal(judges({ rules: [{ id: 'r', when: 'true', reason: 'x' }] }), true);
  assert.equal(judges({ permissions: { deny: ['Bash(rm -rf *)'] } }), true);
  assert.equal(judges({ acl: { deny: { groups: ['x'] } } }), true);
  assert.equal(judges({ policies: { p: { permissions: { deny: ['mcp__github__delete_repo'] } } }, attach: { consumers: { alice: ['p'] } } }), true);
  const opa = compilePolicy(policySchema.parse({ opa: { host: 'http://127.0.0.1:1', policy: 'warden/allow' } }));
  assert.equal(opa.judgesTools, true);
  await opa.close();
});
