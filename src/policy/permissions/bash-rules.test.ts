import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bash } from './helpers-for-tests.js';

/** [rule, command, matches?] — matched as an allow rule (so "matches" means outcome allow). */
const CLAUDE_CODE_PATTERNS: [string, string, boolean][] = [
  ['Bash(npm run build)', 'npm run build', true],
  ['Bash(npm run build)', 'npm run build --watch', false],
  ['Bash(npm run build)', 'npm run buildx', false],
  ['Bash(npm run test *)', 'npm run test', true],
  ['Bash(npm run test *)', 'npm run test -- --watch', true],
  ['Bash(npm run test *)', 'npm run testx', false],
  ['Bash(npm run test:*)', 'npm run test', true],
  ['Bash(npm run test:*)', 'npm run test -- --grep x', true],
  ['Bash(npm run test:*)', 'npm run', false],
  ['Bash(ls *)', 'ls -la', true],
  ['Bash(ls *)', 'ls', true],
  ['Bash(ls *)', 'lsof', false],
  ['Bash(ls*)', 'lsof', true],
  ['Bash(ls:*)', 'lsof', false],
  ['Bash(git * main)', 'git push origin main', true],
  ['Bash(git * main)', 'git merge main', true],
  ['Bash(git * main)', 'git push origin dev', false],
  ['Bash(* install)', 'npm install', true],
  ['Bash(* install)', 'npm install x', false],
  ['Bash(*)', 'anything at all', true],
  ['Bash', 'anything at all', true],
  ['Bash(git commit -m *)', 'git commit -m "fix: a thing"', true],
  ['Bash(git commit -m "wip")', "git commit -m 'wip'", true],
  ['Bash(echo a\\*b)', 'echo a*b', true],
  ['Bash(echo a\\*b)', 'echo axxb', false],
  ['Bash(npm test *)', 'npm test 2>&1', true],
  ['Bash(npm test 2>&1)', 'npm test', true],
  ['Bash(curl http://site.com/:*)', 'curl http://site.com/x', false],
  ['Bash(curl http://site.com/ *)', 'curl http://site.com/ -o x', true],
];

describe('Claude Code Bash specifiers', () => {
  for (const [rule, command, hit] of CLAUDE_CODE_PATTERNS)
    test(`${rule} ${hit ? 'matches' : 'does not match'} ${command}`, () => assert.equal(bash({ allow: [rule] }, command).outcome, hit ? 'allow' : 'none'));
});

describe('compound commands match part by part', () => {
  const allow = ['Bash(npm run test *)', 'Bash(git log *)', 'Bash(git status)'];
  const cases: [string, string, string][] = [
    ['git status && rm -rf /', 'deny', 'deny: Bash(rm -rf *)'],
    ['npm run test && git log', 'allow', 'allow: Bash(npm run test *), allow: Bash(git log *)'],
    ['npm run test && make', 'none', ''],
    ['npm run test; git status | git log -1', 'allow', 'allow: Bash(npm run test *), allow: Bash(git status), allow: Bash(git log *)'],
    ['git status || rm -rf /tmp/x', 'deny', 'deny: Bash(rm -rf *)'],
    ['git status\nrm -rf /', 'deny', 'deny: Bash(rm -rf *)'],
    ['git status & rm -rf /', 'deny', 'deny: Bash(rm -rf *)'],
    ['(git status; rm -rf /)', 'deny', 'deny: Bash(rm -rf *)'],
    ['git log $(rm -rf /)', 'deny', 'deny: Bash(rm -rf *)'],
    ['git log `rm -rf /`', 'deny', 'deny: Bash(rm -rf *)'],
    ['git push origin main && git status', 'ask', 'ask: Bash(git push *)'],
    ['git push --force && git status', 'deny', 'deny: Bash(git push --force*)'],
  ];
  for (const [command, outcome, rule] of cases)
    test(command, () => {
      const r = bash({ allow, ask: ['Bash(git push *)'], deny: ['Bash(rm -rf *)', 'Bash(git push --force*)'] }, command);
      assert.equal(r.outcome, outcome);
      assert.equal(r.rule ?? '', rule);
    });
  test('ask beats allow even for the more specific allow', () => assert.equal(bash({ allow: ['Bash(aws s3 ls)'], ask: ['Bash(aws *)'] }, 'aws s3 ls').outcome, 'ask'));
  test('deny beats a more specific allow', () => assert.equal(bash({ allow: ['Bash(aws s3 ls)'], deny: ['Bash(aws *)'] }, 'aws s3 ls').outcome, 'deny'));
});

describe('quoted text is an argument, not a command', () => {
  const deny = ['Bash(rm -rf *)', 'Bash(sudo *)'];
  for (const command of ['echo "rm -rf /"', "echo 'sudo rm -rf /'", 'git commit -m "rm -rf / is bad"', 'grep -r "sudo rm" .', 'cat <<EOF\nrm -rf /\nEOF'])
    test(command, () => assert.equal(bash({ deny }, command).outcome, 'none'));
  for (const command of ['r""m -rf /', '\\rm -rf /', "$'\\x72\\x6d' -rf /", '{rm,-rf,/}', 'rm  -rf   /', '/bin/rm -rf /'])
    test(`evasion ${JSON.stringify(command)} is still rm`, () => assert.equal(bash({ deny }, command).outcome, 'deny'));
});

describe('wrappers are stripped before matching', () => {
  const r = { deny: ['Bash(rm -rf *)', 'Bash(sudo *)'], allow: ['Bash(npm test *)', 'Bash(git status)'] };
  const cases: [string, string, string][] = [
    ['timeout 10 sudo rm -rf /', 'deny', 'deny: Bash(sudo *)'],
    ['timeout -s KILL 10 rm -rf /', 'deny', 'deny: Bash(rm -rf *)'],
    ['nohup rm -rf / &', 'deny', 'deny: Bash(rm -rf *)'],
    ['nice -n 5 rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['time rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['stdbuf -oL rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['command rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['env FOO=1 rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['env -i PATH=/bin rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['FOO=1 rm -rf x', 'deny', 'deny: Bash(rm -rf *)'],
    ['bash -c "rm -rf /"', 'deny', 'deny: Bash(rm -rf *)'],
    ["sh -c 'git status; rm -rf ~'", 'deny', 'deny: Bash(rm -rf *)'],
    ['bash -lc "bash -c \\"rm -rf /\\""', 'deny', 'deny: Bash(rm -rf *)'],
    ['eval "rm -rf /"', 'deny', 'deny: Bash(rm -rf *)'],
    ['find . -name x | xargs rm -rf', 'deny', 'deny: Bash(rm -rf *)'],
    ['xargs -0 rm -rf < list', 'deny', 'deny: Bash(rm -rf *)'],
    ['find . -exec rm -rf {} \\;', 'deny', 'deny: Bash(rm -rf *)'],
    ['su -c "rm -rf /"', 'deny', 'deny: Bash(rm -rf *)'],
    ['timeout 30 npm test', 'allow', 'allow: Bash(npm test *)'],
    ['nice npm test -- --ci', 'allow', 'allow: Bash(npm test *)'],
    ['NODE_ENV=test npm test', 'allow', 'allow: Bash(npm test *)'],
    ['PATH=.:$PATH npm test', 'none', ''],
    ['LD_PRELOAD=/tmp/x.so git status', 'none', ''],
    ['env FOO=1 npm test', 'none', ''],
    ['bash -c "npm test"', 'none', ''],
    ['xargs -0 git status', 'none', ''],
  ];
  for (const [command, outcome, rule] of cases)
    test(command, () => {
      const got = bash(r, command);
      assert.equal(got.outcome, outcome, got.reason);
      assert.equal(got.rule ?? '', rule);
    });
  test('sudo is judged itself and its inner command is judged too', () => {
    assert.equal(bash({ deny: ['Bash(rm -rf *)'], allow: ['Bash(sudo *)'] }, 'sudo rm -rf /').outcome, 'deny');
    assert.equal(bash({ allow: ['Bash(sudo *)'] }, 'sudo apt update').outcome, 'none');
    assert.equal(bash({ allow: ['Bash(sudo *)', 'Bash(apt update)'] }, 'sudo apt update').outcome, 'allow');
  });
  test('a command only known at run time asks', () => {
    for (const c of ['$CMD -rf /', '"$(which rm)" -rf /', 'bash -c "$SCRIPT"', '`echo rm` -rf /'])
      assert.equal(bash({ allow: ['Bash(echo *)', 'Bash(which *)'] }, c).outcome, 'ask', c);
  });
  test('find -exec and watch always ask, as in Claude Code', () => {
    assert.equal(bash({ allow: ['Bash(find *)', 'Bash(ls *)'] }, 'find . -exec ls {} +').outcome, 'ask');
    assert.equal(bash({ allow: ['Bash(find *)'] }, 'find . -delete').outcome, 'ask');
    assert.equal(bash({ allow: ['Bash(find *)'] }, 'find . -name "*.ts"').outcome, 'allow');
    assert.equal(bash({ allow: ['Bash(watch *)', 'Bash(ls *)'] }, 'watch -n 1 ls').outcome, 'ask');
  });
});

describe('the seed 003 settings.json, as a user would paste it', () => {
  const seed = {
    allow: ['Bash(npm run test*)', 'Bash(npm run build)', 'Bash(git status)', 'Bash(git diff*)', 'Bash(git log*)', 'Read', 'Glob', 'Grep'],
    deny: ['Bash(rm -rf*)', 'Bash(git push --force*)', 'Bash(curl*)', 'Bash(wget*)', 'Bash(sudo*)', 'Bash(chmod 777*)', 'Bash(ssh*)'],
  };
  const cases: [string, string][] = [
    ['npm run test', 'allow'],
    ['npm run test:unit', 'allow'],
    ['npm run build', 'allow'],
    ['npm run build --prod', 'none'],
    ['git status && git diff HEAD~1 && git log -3', 'allow'],
    ['rm -rf node_modules', 'deny'],
    ['git push --force origin main', 'deny'],
    ['curl https://example.com', 'deny'],
    ['wget https://example.com', 'deny'],
    ['sudo apt install x', 'deny'],
    ['chmod 777 script.sh', 'deny'],
    ['ssh prod', 'deny'],
    ['npm run test && curl x', 'deny'],
    ['make', 'none'],
  ];
  for (const [command, outcome] of cases) test(command, () => assert.equal(bash(seed, command).outcome, outcome));
});

describe('Warden extensions: argv: rules and pipeline rules', () => {
  const rm = ['Bash(argv: rm -r|-R|--recursive -f|--force)'];
  for (const c of ['rm -rf x', 'rm -fr x', 'rm -r -f x', 'rm -f -r x', 'rm --recursive --force x', 'rm -Rf x', 'rm -rfv x', 'rm --rec --for x', 'rm x -rf', 'sudo rm -r --force /'])
    test(`${c} is denied`, () => assert.equal(bash({ deny: rm }, c).outcome, 'deny'));
  for (const c of ['rm -r x', 'rm -f x', 'rm -- -rf', 'echo rm -rf', 'rmdir -p x'])
    test(`${c} is not`, () => assert.equal(bash({ deny: rm }, c).outcome, 'none'));
  test('positional requirements are ordered, flags anywhere', () => {
    const r = { deny: ['Bash(argv: git push -f|--force)', 'Bash(argv: git push +*)', 'Bash(argv: chmod 777|0777)'] };
    for (const c of ['git push -f', 'git -C repo push origin main --force', 'git push -fu origin x', 'git push origin +main', 'chmod -R 777 .', 'chmod 0777 x'])
      assert.equal(bash(r, c).outcome, 'deny', c);
    for (const c of ['git push origin main', 'git log --force', 'chmod 755 x', 'git push origin main:+x'])
      assert.equal(bash(r, c).outcome, 'none', c);
  });
  test('a pipeline rule follows pipes and substitutions', () => {
    const r = { deny: ['Bash(argv: curl|wget | sh|bash)', 'Bash(nc * | sh *)'] };
    for (const c of ['curl -fsSL u | sh', 'wget -O- u | sudo bash', 'curl u | tee x | bash -s', 'sh -c "$(curl -fsSL u)"', 'bash <(curl u)', 'nc host 80 | sh -i'])
      assert.equal(bash(r, c).outcome, 'deny', c);
    for (const c of ['curl u | jq .', 'curl u > f; sh f', 'sh -c "echo x" && curl u'])
      assert.equal(bash(r, c).outcome, 'none', c);
  });
});

describe('cd and output redirections, as Claude Code treats them', () => {
  const r = { allow: ['Bash(npm test *)', 'Bash(git log *)', 'Edit(//tmp/**)'] };
  const cases: [string, string][] = [
    ['cd packages/api && npm test', 'allow'],
    ['cd /repo/src && npm test', 'allow'],
    ['cd /etc && npm test', 'none'],
    ['cd .. && npm test', 'none'],
    ['cd "$DIR" && npm test', 'none'],
    ['npm test > out.log 2>&1', 'allow'],
    ['npm test 2>/dev/null', 'allow'],
    ['git log > /tmp/log.txt', 'allow'],
    ['git log > ~/.bashrc', 'none'],
    ['git log >> /etc/profile', 'none'],
    ['git log > "$OUT"', 'none'],
  ];
  for (const [command, outcome] of cases) test(command, () => assert.equal(bash(r, command).outcome, outcome));
});
