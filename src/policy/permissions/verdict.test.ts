/**
 * How the parts of one Bash call combine: a call whose parts are all neutral (a `cd` that
 * stays inside the project) is allowed by nothing, so it stays undecided; and reasons name
 * a command by at most 40 characters of its name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bash } from './helpers-for-tests.js';

test('neutral parts alone are not an allow: some allow rule must have spoken', () => {
  for (const c of ['cd src', 'cd src && cd lib', 'cd /repo'])
    for (const allow of [[], ['Bash(ls *)']]) assert.equal(bash({ allow }, c).outcome, 'none', `${c} with allow ${JSON.stringify(allow)}`);
  assert.equal(bash({ allow: ['Bash(ls *)'] }, 'cd src && ls x').outcome, 'allow');
});

test('a reason shows a command name cut to 40 characters', () => {
  // [name length, what the reason shows]
  const rows: [number, string][] = [
    [39, `\`${'a'.repeat(39)}\``],
    [40, `\`${'a'.repeat(40)}\``],
    [50, `\`${'a'.repeat(40)}…\``],
  ];
  for (const [n, shown] of rows) {
    const r = bash({ deny: ['Bash(argv: aaaa*)'] }, `${'a'.repeat(n)} x`);
    assert.equal(r.outcome, 'deny');
    assert.equal(r.reason, `${shown} matches deny: Bash(argv: aaaa*)`, String(n));
  }
});
