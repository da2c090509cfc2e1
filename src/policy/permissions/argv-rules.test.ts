/**
 * A user's `argv:` rule written with a flag cluster (`Bash(argv: rm -rf)`) must match every
 * spelling of the same flags: other cluster orders, separate flags, flags among operands,
 * through wrappers and compound commands. And the `<<<|<<` stdin requirement, plus the
 * scripts a shell reads from a here-string or here-document, judged against the user's own
 * rules (no defaults involved).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bash } from './helpers-for-tests.js';

describe('a clustered flag rule matches every order and split of its flags', () => {
  const rules = { deny: ['Bash(argv: rm -rf)', 'Bash(argv: tar -xzf)', 'Bash(argv: git clean -fdx)'] };
  const denied = [
    'rm -rf x', 'rm -fr x', 'rm -f -r x', 'rm -r -f x', 'rm -r x -f', 'rm x -rf', 'rm -vfr x', 'rm -r -v -f x', 'rm -rfv x',
    '/bin/rm -fr x', '\\rm -f -r x', 'command rm -fr x', '"rm" "-f" "-r" x', 'sudo rm -fr x', 'echo ok && rm -fr x',
    'tar -zxf a.tgz', 'tar -fzx a.tgz', 'tar -x -z -f a.tgz', 'tar -f a.tgz -zx',
    'git clean -xfd', 'git clean -dxf', 'git clean -x -d -f', 'git clean -f -xd',
  ];
  for (const c of denied) test(`${c} → deny`, () => assert.equal(bash(rules, c).outcome, 'deny'));
  const other = ['rm -r x', 'rm -f x', 'rm x', 'rm -- -rf', 'tar -xf a.tar', 'git clean -fd', 'git clean -n', 'echo rm -fr x'];
  for (const c of other) test(`${c} → not denied`, () => assert.notEqual(bash(rules, c).outcome, 'deny'));
});

describe('the stdin requirement and the scripts shells read from stdin', () => {
  test('`<<<|<<` requires a here-string or here-document on the command', () => {
    const rules = { deny: ['Bash(argv: bash <<<|<<)'] };
    for (const c of ['bash <<< ls', 'bash <<EOF\nls\nEOF', 'bash <<-EOF\n\tls\n\tEOF', 'timeout 5 bash -s <<< "ls"']) assert.equal(bash(rules, c).outcome, 'deny', c);
    for (const c of ['bash script.sh', 'bash < script.sh', 'cat <<< x']) assert.notEqual(bash(rules, c).outcome, 'deny', c);
  });
  const own = { allow: ['Bash(bash)', 'Bash(sh *)', 'Bash(ls *)', 'Bash(cat *)'], deny: ['Bash(argv: rm -rf)'] };
  const table: [string, 'deny' | 'ask' | 'allow'][] = [
    ['bash <<< "rm -fr /"', 'deny'],
    ["bash <<< 'ls; rm -r -f ~'", 'deny'],
    ['bash <<EOF\nls\nrm -f -r /\nEOF', 'deny'],
    ["bash <<'EOF'\nrm -rf ~\nEOF", 'deny'],
    ['sh -s <<-EOF\n\tls\n\trm -rf x\n\tEOF', 'deny'],
    ['bash <<< "$CMD"', 'ask'],
    ['bash <<EOF\n$CMD\nEOF', 'ask'],
    ["bash <<'EOF'\nls -la\nEOF", 'allow'],
    ['bash <<< "ls"', 'allow'],
    ['cat <<EOF\nrm -rf /\nEOF', 'allow'],
    ['sh -c "ls" <<< "rm -rf /"', 'allow'],
  ];
  for (const [c, outcome] of table) test(`${JSON.stringify(c)} → ${outcome}`, () => assert.equal(bash(own, c).outcome, outcome, bash(own, c).rule));
});
