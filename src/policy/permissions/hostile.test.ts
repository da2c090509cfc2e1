/**
 * Hostile input must neither throw, nor recurse without bound, nor take more than linear
 * time: each case finishes (the test timeout only stops a hang) and is judged conservatively.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePermissionRules, DEFAULT_AGENT_RULES, evaluatePermissions } from './index.js';
import { CTX } from './helpers-for-tests.js';

const c = compilePermissionRules(DEFAULT_AGENT_RULES, 'permissions');
const run = (command: string) => evaluatePermissions(c, { tool: 'Bash', input: { command } }, CTX);
const MB = 1_048_576;

describe('hostile shell input is bounded and judged conservatively', { timeout: 60_000 }, () => {
  const cases: [string, () => string, string][] = [
    ['1 MB of one word', () => `echo ${'a'.repeat(MB - 10)}`, 'ask'],
    ['over 1 MB', () => `echo ${'a'.repeat(MB + 10)}`, 'ask'],
    ['unbalanced double quote over 1 MB', () => `echo "${'a'.repeat(MB - 10)}`, 'ask'],
    ['unbalanced single quote', () => `echo '${'a'.repeat(100_000)}`, 'ask'],
    ['100k nested $( around rm -rf', () => `${'$('.repeat(100_000)}rm -rf /${')'.repeat(100_000)}`, 'ask'],
    ['100k nested subshells', () => '('.repeat(100_000), 'ask'],
    ['100k nested ${', () => '${'.repeat(100_000), 'ask'],
    ['50k nested $((', () => '$(('.repeat(50_000), 'ask'],
    ['200k backticks', () => '`'.repeat(200_001), 'ask'],
    ['300k commands', () => 'a;'.repeat(300_000), 'ask'],
    ['300k pipes into sh', () => `${'a|'.repeat(300_000)}sh`, 'ask'],
    ['100k redirections', () => `cat ${'< x '.repeat(100_000)}`, 'ask'],
    ['150k here-document lines with substitutions', () => `cat <<EOF\n${'$(x)\n'.repeat(150_000)}EOF`, 'ask'],
    ['a 600k-character path', () => `cat ${'a/'.repeat(300_000)}`, 'ask'],
    ['100k stars', () => `cat ${'*'.repeat(100_000)}.pem`, 'ask'],
    ['brace bomb', () => `echo ${'{a,b}'.repeat(200)}`, 'ask'],
    ['NUL and control bytes', () => 'echo \u0000\u0001\u0007 && ls', 'none'],
    ['lone operators', () => '&& || ; | &', 'ask'],
  ];
  for (const [name, make, outcome] of cases)
    test(name, () => {
      const r = run(make());
      assert.equal(r.outcome, outcome, `${r.rule} ${r.reason}`);
    });
  test('a denied part still denies inside an unparseable command', () => assert.equal(run('rm -rf / ; echo "unterminated').outcome, 'deny'));
  test('a denied part still denies in a long command', () => assert.equal(run(`rm -rf / ; echo ${'a'.repeat(20_000)}`).outcome, 'deny'));
  test('shells nested deeper than the bound ask', () => {
    let cmd = 'ls';
    for (let i = 0; i < 8; i++) cmd = `bash -c ${JSON.stringify(cmd)}`;
    assert.equal(run(cmd).outcome, 'ask');
  });
});

describe('hostile paths', { timeout: 60_000 }, () => {
  const read = (file_path: unknown) => evaluatePermissions(c, { tool: 'Read', input: { file_path } }, CTX).outcome;
  test('a path over the length bound asks', () => assert.equal(read(`/repo/${'a/'.repeat(5000)}x`), 'ask'));
  test('a path built to make a backtracking matcher explode is matched in linear time', () => {
    const r = compilePermissionRules({ allow: [], ask: [], deny: ['Read(**/x/**/x/**/y)'] }, 'p');
    const p = `/${'x/'.repeat(2000)}z`;
    assert.equal(evaluatePermissions(r, { tool: 'Read', input: { file_path: p } }, CTX).outcome, 'none');
    assert.equal(evaluatePermissions(r, { tool: 'Read', input: { file_path: `${p}/x/y` } }, CTX).outcome, 'deny');
  });
  test('a rule with many wildcards against a long command', () => {
    const r = compilePermissionRules({ allow: [], ask: [], deny: ['Bash(*a*a*a*a*a*a*a*a*b)'] }, 'p');
    assert.equal(evaluatePermissions(r, { tool: 'Bash', input: { command: `echo ${'a'.repeat(9000)}` } }, CTX).outcome, 'none');
  });
  test('odd types never throw', () => {
    for (const v of [null, 1, {}, [], '', '\u0000']) assert.doesNotThrow(() => read(v));
    assert.doesNotThrow(() => evaluatePermissions(c, { tool: 'Bash', input: null as unknown as Record<string, unknown> }, CTX));
    assert.doesNotThrow(() => evaluatePermissions(c, { tool: 'WebFetch', input: { url: `https://${'a'.repeat(100_000)}` } }, CTX));
  });
});
