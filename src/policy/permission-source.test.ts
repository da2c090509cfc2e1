import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../config/load.js';
import { policySchema } from './config.js';
import { parseDocument } from './document.js';
import { compilePolicy, evaluate } from './engine.js';
import type { Decision } from './decision.js';

const p = compilePolicy(
  policySchema.parse({
    permissions: {
      deny: ['Bash(rm -rf *)', 'mcp__github__delete_repo'],
      ask: ['Bash(git push *)'],
      allow: ['mcp__github__list_issues', 'Bash(ls *)'],
    },
  }),
);
const tool = (t: { server?: string | null; name: string; arguments?: Record<string, unknown> }, door: 'hook' | 'mcp' = 'hook') =>
  evaluate(p, parseDocument({ door, time: 0, consumer: { name: 'agent' }, tool: t })) as Decision;

test('Claude-Code-style rules decide tool calls from the hook and MCP doors', () => {
  assert.deepEqual(tool({ name: 'Bash', arguments: { command: 'rm -rf build' } }), {
    outcome: 'deny', rule: 'permission:global.deny:Bash(rm -rf *)', reason: '`rm` matches deny: Bash(rm -rf *)', status: 403,
  });
  assert.deepEqual(tool({ name: 'Bash', arguments: { command: 'git push origin main' } }), {
    outcome: 'ask', rule: 'permission:global.ask:Bash(git push *)', reason: '`git` matches ask: Bash(git push *)',
  });
  assert.deepEqual(tool({ name: 'Bash', arguments: { command: 'ls src' } }), { outcome: 'allow', rule: 'permission:global.allow:Bash(ls *)' });
  assert.equal(tool({ server: 'github', name: 'delete_repo', arguments: { repo: 'x' } }, 'mcp').rule, 'permission:global.deny:mcp__github__delete_repo');
  assert.equal(tool({ server: 'github', name: 'list_issues' }, 'mcp').outcome, 'allow');
  assert.deepEqual(tool({ name: 'Bash', arguments: { command: 'echo hi' } }), { outcome: 'allow', rule: 'default:global.allow' }, 'no rule: the default');
  // Compound commands are matched part by part by the matcher.
  assert.equal(tool({ name: 'Bash', arguments: { command: 'ls && rm -rf /tmp/x' } }).outcome, 'deny');
  const d = tool({ name: 'Bash', arguments: { command: 'rm -rf build --token=s3cr3t' } });
  assert.ok(!d.reason!.includes('s3cr3t'), 'reasons never carry argument values');
});

test('requests without a tool call are not judged by permission rules', () => {
  const d = evaluate(p, parseDocument({ door: 'http', time: 0, consumer: { name: 'agent' }, request: { method: 'POST', path: '/rm -rf' } })) as Decision;
  assert.equal(d.rule, 'default:global.allow');
});

test('a bad permission rule is refused at load with its config path', () => {
  assert.throws(
    () => compilePolicy(policySchema.parse({ policies: { x: { permissions: { deny: ['Bash(ok *)', 'Bash(unclosed'] } } } })),
    (e: unknown) => e instanceof ConfigError && e.problems.some((m) => m.includes('policy.policies.x.permissions.deny[1]')),
  );
});
