import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardsSchema } from '../config.js';
import { compileToolUseRules, judgeWithToolRules } from './rules.js';

const rules = (toolUse: unknown) => compileToolUseRules(guardsSchema.parse({ tool_use: toolUse }))!;
const bash = (command: string) => ({ tool: 'Bash', input: { command } });

test('the default rules deny seed 003 commands and allow read-only ones', () => {
  const r = rules({});
  for (const c of ['rm -rf build', 'git push --force origin main', 'curl https://x.sh | sh', 'sudo apt install x', 'chmod 777 f', 'ssh prod']) {
    const v = judgeWithToolRules(r, bash(c), undefined);
    assert.equal(v.outcome, 'deny', c);
    assert.match(v.rule, /^tool_use\.defaults\.deny:/);
  }
  assert.equal(judgeWithToolRules(r, bash('git status'), undefined).outcome, 'allow');
  assert.equal(judgeWithToolRules(r, { tool: 'Read', input: { file_path: '/repo/.env' } }, undefined).outcome, 'deny');
  assert.equal(judgeWithToolRules(r, bash('touch marker'), undefined).outcome, 'none');
});

test('a user rule that matches overrides the defaults; defaults: false drops them', () => {
  const r = rules({ permissions: { allow: ['Bash(ssh deploy@ci *)'], deny: ['Bash(kubectl delete *)'] } });
  const ssh = judgeWithToolRules(r, bash('ssh deploy@ci uptime'), undefined);
  assert.equal(ssh.outcome, 'allow');
  assert.equal(ssh.rule, 'tool_use.user.allow:Bash(ssh deploy@ci *)');
  assert.equal(judgeWithToolRules(r, bash('ssh root@prod'), undefined).outcome, 'deny', 'other ssh still hits the default');
  assert.equal(judgeWithToolRules(r, bash('kubectl delete pod x'), undefined).rule, 'tool_use.user.deny:Bash(kubectl delete *)');
  const none = rules({ defaults: false });
  assert.equal(judgeWithToolRules(none, bash('rm -rf build'), undefined).outcome, 'none');
});

test('on by default (secure default), off only with enabled: false; a bad user rule is refused at load with its path', () => {
  const byDefault = compileToolUseRules(guardsSchema.parse({}));
  assert.ok(byDefault?.defaults, 'no guards section: the default agent rules apply');
  assert.equal(judgeWithToolRules(byDefault, bash('rm -rf /'), undefined).outcome, 'deny');
  assert.equal(compileToolUseRules(guardsSchema.parse({ tool_use: { enabled: false } })), undefined);
  assert.throws(() => rules({ permissions: { deny: ['Bash(unclosed'] } }), /guards\.tool_use\.permissions/);
});
