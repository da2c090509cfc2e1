import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argvSpellings, claudeCodePermissions } from './claude-code-syntax.js';
import { compilePermissionRules, DEFAULT_AGENT_RULES, evaluatePermissions } from './index.js';

const defaults = compilePermissionRules(DEFAULT_AGENT_RULES, 'defaults', 'defaults');

test('every rule written for Claude Code comes from the defaults: plain rules verbatim, each argv spelling denied by the defaults themselves', () => {
  const { deny, ask } = claudeCodePermissions();
  assert.deepEqual(ask, DEFAULT_AGENT_RULES.ask);
  for (const rule of deny) {
    if (DEFAULT_AGENT_RULES.deny.includes(rule)) continue;
    const m = /^Bash\((.*?)( \*)?\)$/.exec(rule);
    assert.ok(m, `${rule} is neither a default rule nor a Bash spelling`);
    const command = m[1]!.replace(/\*$/, 'x') + (m[2] ? ' target' : '');
    assert.equal(evaluatePermissions(defaults, { tool: 'Bash', input: { command } }, { cwd: '/w' }).outcome, 'deny', `${rule}: "${command}" is not denied by the defaults`);
  }
  for (const rule of DEFAULT_AGENT_RULES.deny) {
    if (!rule.startsWith('Bash(argv:')) assert.ok(deny.includes(rule), `${rule} missing`);
  }
});

test('argv rules: flag alternatives and clustered short flags; pipelines, here-documents and argument globs are left to the hook', () => {
  const rm = argvSpellings('rm -r|-R|--recursive -f|--force')!;
  for (const r of ['Bash(rm -rf *)', 'Bash(rm -fr *)', 'Bash(rm -R -f *)', 'Bash(rm --recursive --force *)', 'Bash(rm -rf)']) assert.ok(rm.includes(r), r);
  assert.equal(argvSpellings('curl|wget | sh|bash'), null);
  assert.equal(argvSpellings('bash <<<|<<'), null);
  assert.equal(argvSpellings('git push +*'), null);
  assert.deepEqual(argvSpellings('mkfs*|mke2fs'), ['Bash(mkfs*)', 'Bash(mke2fs)', 'Bash(mke2fs *)']);
});
