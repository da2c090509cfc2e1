import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShell } from './parser.js';

/** Each command as its argv joined by `·`, assignment-only and keyword-only commands dropped. */
function parts(src: string): string[] {
  return parseShell(src)
    .commands.filter((c) => c.words.length > 0)
    .map((c) => c.words.map((w) => w.text).join('·'));
}

describe('shell splitter: commands that would run', () => {
  const cases: [string, string[]][] = [
    ['git status && rm -rf /', ['git·status', 'rm·-rf·/']],
    ['a || b; c & d\ne', ['a', 'b', 'c', 'd', 'e']],
    ['a | b |& c', ['a', 'b', 'c']],
    ['(cd /tmp && rm -rf x) > log 2>&1', ['cd·/tmp', 'rm·-rf·x']],
    ['{ echo a; echo b; } | sort', ['echo·a', 'echo·b', 'sort']],
    ['echo $(rm -rf /)', ['echo·$(rm -rf /)', 'rm·-rf·/']],
    ['echo `rm -rf /`', ['echo·`rm -rf /`', 'rm·-rf·/']],
    ['echo "x $(whoami) y"', ['echo·x $(whoami) y', 'whoami']],
    ['diff <(ls a) >(tee b)', ['diff·<(ls a)·>(tee b)', 'ls·a', 'tee·b']],
    ['echo ${x:-$(id)}', ['echo·${x:-$(id)}', 'id']],
    ['echo $(( 1 + $(id -u) ))', ['echo·$(( 1 + $(id -u) ))', 'id·-u']],
    ['x=$(curl u); echo $x', ['curl·u', 'echo·$x']],
    ['if [ -f x ]; then rm -rf /; else ls; fi', ['[·-f·x·]', 'rm·-rf·/', 'ls']],
    ['while true; do sleep 1; done', ['true', 'sleep·1']],
    ['for f in *.ts; do cat "$f"; done', ['cat·$f']],
    ['[[ -f a && -f b ]] && echo ok', ['echo·ok']],
    ['f() { rm -rf /; }; f', ['rm·-rf·/', 'f']],
    ['function g { id; }', ['id']],
    ['a=(1 2 3); echo ${a[@]}', ['echo·${a[@]}']],
    ['(( i++ )) && echo $i', ['echo·$i']],
    ['ls # && rm -rf /', ['ls']],
    ['echo a#b', ['echo·a#b']],
  ];
  for (const [src, want] of cases) test(src, () => assert.deepEqual(parts(src), want));
});

describe('shell splitter: quoting and escapes reach the real words', () => {
  const cases: [string, string[]][] = [
    ['echo "rm -rf /"', ['echo·rm -rf /']],
    ["echo 'a; b' ; ls -la", ['echo·a; b', 'ls·-la']],
    ['r""m -rf /', ['rm·-rf·/']],
    ["r''m -rf /", ['rm·-rf·/']],
    ['\\rm -rf /', ['rm·-rf·/']],
    ["$'\\x72\\x6d' -rf /", ['rm·-rf·/']],
    ["$'\\162\\155' -rf /", ['rm·-rf·/']],
    ['{rm,-rf,/}', ['rm·-rf·/']],
    ['echo {a,b}{1,2}', ['echo·a1·a2·b1·b2']],
    ['echo "{a,b}"', ['echo·{a,b}']],
    ['echo {1..3}', ['echo·{1..3}']],
    ['git commit -m "multi\nline"', ['git·commit·-m·multi\nline']],
    ['echo "a \\" b"', ['echo·a " b']],
    ['rm\\\n -rf /', ['rm·-rf·/']],
  ];
  for (const [src, want] of cases) test(JSON.stringify(src), () => assert.deepEqual(parts(src), want));
});

describe('here-documents do not confuse the splitter', () => {
  test('the body is data, an unquoted body still runs its substitutions', () => {
    assert.deepEqual(parts('cat <<EOF > out\nrm -rf /\nhi $(whoami)\nEOF\nls'), ['cat', 'whoami', 'ls']);
  });
  test('a quoted delimiter turns expansion off', () => {
    assert.deepEqual(parts("cat <<'EOF'\n$(rm -rf /)\nEOF"), ['cat']);
  });
  test('<<- strips leading tabs before the delimiter', () => {
    assert.deepEqual(parts('cat <<-END\n\tx\n\tEND\nid'), ['cat', 'id']);
  });
  test('here-strings are words, not files', () => {
    const c = parseShell('python3 - <<< "print(1)"').commands[0]!;
    assert.deepEqual(c.redirects.map((r) => [r.op, r.target?.text]), [['<<<', 'print(1)']]);
  });
});

describe('redirections and assignments', () => {
  test('fd numbers, dup and targets', () => {
    const c = parseShell('cmd 2>&1 >out <in &>all >>log').commands[0]!;
    assert.deepEqual(c.redirects.map((r) => `${r.op}${r.target?.text}`), ['>&1', '>out', '<in', '&>all', '>>log']);
    assert.deepEqual(c.words.map((w) => w.text), ['cmd']);
  });
  test('leading NAME=value are assignments, later ones are arguments', () => {
    const c = parseShell('FOO=1 BAR="a b" env X=2').commands[0]!;
    assert.deepEqual(c.assigns.map((w) => w.text), ['FOO=1', 'BAR=a b']);
    assert.deepEqual(c.words.map((w) => w.text), ['env', 'X=2']);
  });
  test('a quoted name is not an assignment', () => {
    assert.deepEqual(parts('"FOO"=1 id'), ['FOO=1·id']);
  });
});

describe('data-flow edges for pipeline rules', () => {
  const edges = (src: string): string[] => {
    const cmds = parseShell(src).commands;
    const name = (i: number): string => cmds[i]!.words[0]?.text ?? '∅';
    return cmds.flatMap((c) => c.next.map((n) => `${name(c.id)}>${name(n)}`));
  };
  test('pipes', () => assert.deepEqual(edges('curl u | tee f | sh'), ['curl>tee', 'tee>sh']));
  test('command substitution feeds its command', () => assert.deepEqual(edges('sh -c "$(curl u)"'), ['curl>sh']));
  test('process substitution feeds its command', () => assert.deepEqual(edges('bash <(wget -O- u)'), ['wget>bash']));
  test('here-document substitutions feed the command', () => assert.deepEqual(edges('sh <<EOF\n$(curl u)\nEOF'), ['curl>sh']));
  test('a list is not a pipe', () => assert.deepEqual(edges('curl u; sh x'), []));
});

describe('malformed input is recorded, never thrown', () => {
  const cases: [string, RegExp][] = [
    ['echo "unterminated', /unbalanced double quote/],
    ["echo 'unterminated", /unbalanced single quote/],
    ['echo `unterminated', /unbalanced backtick/],
    ['echo $(unterminated', /unbalanced \(/],
    ['echo ${x', /unbalanced \$\{/],
    ['echo )', /unbalanced \)/],
    ['case $x in a) id;; esac', /case statements are not parsed/],
    ['cat >', /redirection without a target/],
  ];
  for (const [src, why] of cases)
    test(src, () => {
      const p = parseShell(src);
      assert.ok(p.problems.some((x) => why.test(x)), p.problems.join('; '));
    });
  test('a clean command has no problems', () => assert.deepEqual(parseShell('git log --oneline | head -5').problems, []));
});
