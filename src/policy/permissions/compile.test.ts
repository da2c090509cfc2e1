import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isWardenError } from '../../core/errors.js';
import { compilePermissionRules, type PermissionRules } from './index.js';

const BAD: [Partial<PermissionRules>, RegExp][] = [
  [{ deny: ['Bash('] }, /^policy\.perm\.deny\[0\]: `Bash\(`: missing `\)`/],
  [{ allow: ['Read', 'Bash(npm test'] }, /^policy\.perm\.allow\[1\]: .*missing `\)`/],
  [{ ask: ['Bash()'] }, /ask\[0\].*empty specifier/],
  [{ deny: ['Bash(ls))x'] }, /deny\[0\].*missing `\)`/],
  [{ deny: ['ls)'] }, /deny\[0\].*`\)` without `\(`/],
  [{ deny: ['Bash rm'] }, /deny\[0\].*not a tool name/],
  [{ deny: ['Foo(bar)'] }, /deny\[0\].*`Foo` takes no specifier of this form/],
  [{ deny: ['mcp__github__x(some thing)'] }, /deny\[0\].*takes no specifier/],
  [{ allow: ['*'] }, /allow\[0\].*only after `mcp__<server>__`/],
  [{ allow: ['mcp__*'] }, /allow\[0\].*only after `mcp__<server>__`/],
  [{ allow: ['B*'] }, /allow\[0\]/],
  [{ deny: ['Bash(git status && rm -rf /)'] }, /deny\[0\].*cannot span `&&`/],
  [{ deny: ['Bash(a ; b)'] }, /cannot span/],
  [{ allow: ['Bash(curl * | sh)'] }, /allow\[0\].*can only deny or ask/],
  [{ allow: ['Bash(argv: rm -rf)'] }, /allow\[0\].*deny or ask only/],
  [{ deny: ['Bash(argv: -rf)'] }, /starts with the command name/],
  [{ deny: ['Bash(argv: rm --)'] }, /is not a flag/],
  [{ deny: ['Bash(argv: bash <)'] }, /write `<<<` \(here-string\) or `<<` \(here-document\)/],
  [{ deny: ['Bash(argv: bash <<<|<)'] }, /`<`: write `<<<`/],
  [{ deny: ['Bash(command:rm *)'] }, /not `Bash\(command:rm \*\)`/],
  [{ deny: ['Bash(echo "x)'] }, /unbalanced " quote/],
  [{ deny: ['WebFetch(example.com)'] }, /WebFetch\(domain:example\.com\)/],
  [{ deny: ['WebFetch(domain:https://x.io/a)'] }, /not a host name/],
  [{ deny: [''] }, /empty rule/],
  [{ deny: [42 as unknown as string] }, /deny\[0\]: a rule must be a string/],
  [{ deny: 'Bash' as unknown as string[] }, /policy\.perm\.deny: must be a list/],
];

describe('bad rules fail at compile with their config path', () => {
  for (const [r, want] of BAD)
    test(JSON.stringify(r), () => {
      const full = { allow: [], ask: [], deny: [], ...r } as PermissionRules;
      assert.throws(
        () => compilePermissionRules(full, 'policy.perm'),
        (e: unknown) => {
          assert.ok(isWardenError(e) && e.code === 'WARDEN_E_CONFIG_INVALID');
          assert.match((e as Error).message, want);
          return true;
        },
      );
    });
});

describe('good rules compile', () => {
  const good = [
    'Bash', 'Bash(*)', 'Bash(npm run test *)', 'Bash(npm run test:*)', 'Bash(git * main)', 'Bash(argv: rm -r|-R -f)', 'Bash(curl * | sh)',
    'Read', 'Read(./.env)', 'Read(//etc/**)', 'Read(~/.ssh/**)', 'Edit(/src/**/*.ts)', 'Write(docs/**)', 'Glob(**/*.md)',
    'WebFetch(domain:example.com)', 'WebFetch(domain:*.example.com)', 'WebSearch', 'mcp__server', 'mcp__server__tool', 'mcp__server__*',
    'Agent(Explore)', 'Agent(model:opus)', 'mcp__s__t(arg:*x*)',
  ];
  test('deny', () => assert.doesNotThrow(() => compilePermissionRules({ allow: [], ask: [], deny: good }, 'p')));
  test('missing lists are empty', () => assert.doesNotThrow(() => compilePermissionRules({ deny: ['Bash'] } as PermissionRules, 'p')));
});
