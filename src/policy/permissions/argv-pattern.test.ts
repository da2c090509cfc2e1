/**
 * The `argv:` matcher, row by row: wildcard positionals that must not match (a glob whose
 * pieces overlap, are missing or come out of order), what counts as a flag and as an operand
 * in a command (`-`, `--=x`), specifiers that must be refused at config time, and multi-stage
 * pipeline rules whose memo must not leak a verdict from one command to another.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bash, rules } from './helpers-for-tests.js';
import { compilePermissionRules } from './index.js';

type Row = [rule: string, command: string, denied: boolean];

function table(name: string, rows: Row[]): void {
  describe(name, () => {
    for (const [rule, command, denied] of rows)
      test(`${rule} on ${JSON.stringify(command)} → ${denied ? 'deny' : 'not deny'}`, () => {
        const r = bash({ deny: [rule] }, command);
        assert.equal(r.outcome === 'deny', denied, JSON.stringify(r));
      });
  });
}

table('wildcard positionals match only what the glob spells', [
  ['Bash(argv: echo ab*ba)', 'echo aba', false], // prefix and suffix overlap: too short
  ['Bash(argv: echo ab*ba)', 'echo abba', true],
  ['Bash(argv: echo a*x*b)', 'echo ayb', false], // middle piece missing
  ['Bash(argv: echo a*x*b)', 'echo axb', true],
  ['Bash(argv: echo a*x*x)', 'echo ax', false], // middle piece found only inside the suffix
  ['Bash(argv: echo a*x*x)', 'echo axx', true],
  ['Bash(argv: echo *ab*ab*)', 'echo xab', false], // second piece must come after the first
  ['Bash(argv: echo *ab*ab*)', 'echo xabab', true],
]);

table('what a command line offers as flags and operands', [
  ['Bash(argv: sh *)', 'sh -', true], // a lone `-` is an operand (stdin), not a flag
  ['Bash(argv: sh *)', 'sh', false],
  ['Bash(argv: rm *)', 'rm -rf', false], // flags are not operands
  ['Bash(argv: rm --force)', 'rm --=x y', false], // an empty long name abbreviates nothing
  ['Bash(argv: rm --force)', 'rm --fo y', true],
]);

describe('bad argv: specifiers are refused at config time, naming the problem', () => {
  const bad: [string, RegExp][] = [
    ['Bash(argv: )', /command name in every stage/],
    ['Bash(argv: curl |)', /command name in every stage/],
    ['Bash(argv: rm ||)', /empty alternative/],
    ['Bash(argv: bash <<x)', /here-string/],
    ['Bash(argv: rm -r|a-b)', /not a flag/],
    ['Bash(argv: rm ---x)', /not a flag/],
  ];
  for (const [rule, message] of bad)
    test(rule, () => assert.throws(() => compilePermissionRules(rules({ deny: [rule] }), 'permissions'), message));
  test('an empty alternative beside real ones is dropped', () => {
    assert.equal(bash({ deny: ['Bash(argv: rm -r|)'] }, 'rm -r x').outcome, 'deny');
  });
});

table('pipeline rules follow the data flow, command by command', [
  ['Bash(argv: curl | sh)', 'ls | curl u | sh', true], // the hit memo is per (stage, command)
  ['Bash(argv: curl | sh)', 'curl a | curl b | cat', false],
  ['Bash(argv: curl | sh)', 'curl a | cat | sh', true], // the explored-from memo is per (stage, command) too // a command still being explored is not a match
  ['Bash(argv: curl | tee | sh)', 'curl a | tee f | sh', true],
  ['Bash(argv: curl | tee | sh)', 'curl a | tee f | cat', false], // every later stage must complete
]);
