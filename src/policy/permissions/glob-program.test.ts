import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleGlob, compileShellGlob } from './glob-compile.js';
import { globsIntersect, matchGlob } from './glob-program.js';

describe('gitignore-style globs', () => {
  const cases: [string, boolean, string, boolean][] = [
    ['*.ts', false, 'a.ts', true],
    ['*.ts', false, 'src/a.ts', false],
    ['*.ts', true, 'src/a.ts', true],
    ['**/.env', false, '.env', true],
    ['**/.env', false, 'a/b/.env', true],
    ['**/.env', false, 'a/b/x.env', false],
    ['src/**/*.ts', false, 'src/a.ts', true],
    ['src/**/*.ts', false, 'src/a/b/c.ts', true],
    ['src/**', false, 'src/a/b', true],
    ['src/**', false, 'src', false],
    ['a?c', false, 'abc', true],
    ['a?c', false, 'a/c', false],
    ['[ab]x', false, 'bx', true],
    ['[!ab]x', false, 'bx', false],
    ['a\\*b', false, 'a*b', true],
    ['a\\*b', false, 'axb', false],
  ];
  for (const [glob, floating, s, hit] of cases) test(`${glob}${floating ? ' (floating)' : ''} ~ ${s}`, () => assert.equal(matchGlob(compileRuleGlob(glob, floating, false, false), s), hit));
  test('a matched directory covers its contents', () => {
    assert.equal(matchGlob(compileRuleGlob('secrets', true, true, false), 'a/secrets/k.txt'), true);
    assert.equal(matchGlob(compileRuleGlob('secrets', true, false, false), 'a/secrets/k.txt'), false);
  });
  test('case-insensitive programs fold ASCII', () => assert.equal(matchGlob(compileRuleGlob('**/.env', false, false, true), 'A/.ENV'), true));
});

describe('glob against glob: could an argument name a covered file', () => {
  const cases: [string, string, boolean][] = [
    ['x.pem', '*.pem', true],
    ['x.pem', '*.pe?', true],
    ['x.pem', '*.ts', false],
    ['.env', '*', false],
    ['.env', '.*', true],
    ['.env', '.e*', true],
    ['id_rsa', 'id_*', true],
    ['a/.ssh/x', 'a/.ss?/*', true],
    ['.env', '\u0001', true],
  ];
  for (const [sample, arg, hit] of cases) test(`${sample} vs ${JSON.stringify(arg)}`, () => assert.equal(globsIntersect(compileRuleGlob(sample, false, false, false), compileShellGlob(arg)), hit));
});
