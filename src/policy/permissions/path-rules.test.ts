import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from './helpers-for-tests.js';

/** [rule list, rule, tool, path, outcome] with cwd /repo and home /home/u. */
const TABLE: [string, string, string, string][] = [
  // The four anchors Claude Code documents.
  ['Read(//etc/**)', 'Read', '/etc/passwd', 'deny'],
  ['Read(//etc/**)', 'Read', '/repo/etc/passwd', 'none'],
  ['Read(~/Documents/*.pdf)', 'Read', '/home/u/Documents/a.pdf', 'deny'],
  ['Read(~/Documents/*.pdf)', 'Read', '/home/u/Documents/x/a.pdf', 'none'],
  ['Edit(/src/**/*.ts)', 'Edit', '/repo/src/a/b.ts', 'deny'],
  ['Edit(/src/**/*.ts)', 'Edit', '/repo/src/b.ts', 'deny'],
  ['Edit(/src/**/*.ts)', 'Edit', '/lib/b.ts', 'none'],
  // A deny `/etc/**` (settings-relative in Claude Code) also covers the absolute /etc.
  ['Edit(/etc/**)', 'Edit', '/repo/etc/x', 'deny'],
  ['Edit(/etc/**)', 'Edit', '/etc/hosts', 'deny'],
  ['Read(./.env)', 'Read', '/repo/.env', 'deny'],
  ['Read(./.env)', 'Read', '.env', 'deny'],
  ['Read(./.env)', 'Read', '/repo/sub/.env', 'none'],
  ['Read(*.env)', 'Read', '/repo/a/prod.env', 'deny'],
  // Path traversal is resolved before matching.
  ['Read(./.env)', 'Read', './src/../.env', 'deny'],
  ['Read(./.env)', 'Read', '/repo/src/../../repo/./.env', 'deny'],
  ['Read(./secrets/**)', 'Read', 'src/../secrets/key.txt', 'deny'],
  ['Read(//etc/**)', 'Read', '/repo/../../../etc/shadow', 'deny'],
  // Bare names and `**/` match at any depth; deny/ask also outside the cwd.
  ['Read(.env)', 'Read', '/repo/a/b/.env', 'deny'],
  ['Read(**/.env)', 'Read', '/repo/packages/api/.env', 'deny'],
  ['Read(**/.env)', 'Read', '/elsewhere/.env', 'deny'],
  ['Read(**/.env)', 'Read', '/repo/prod.env', 'none'],
  ['Read(**/.env)', 'Read', '/repo/.ENV', 'deny'],
  ['Read(src/**)', 'Read', '/repo/lib/src/x', 'deny'],
  ['Read(secrets)', 'Read', '/repo/secrets/key.txt', 'deny'],
  ['Read(**/.env.*)', 'Read', '/repo/.env.local', 'deny'],
  ['Read(**/*.pem)', 'Read', '/repo/certs/tls.pem', 'deny'],
  // Read rules cover the read tools; a Read deny also blocks edits; Edit rules cover writers.
  ['Read(~/.ssh/**)', 'Grep', '/home/u/.ssh', 'deny'],
  ['Read(~/.ssh/**)', 'LS', '/home/u/.ssh', 'deny'],
  ['Read(~/.ssh/**)', 'Write', '/home/u/.ssh/authorized_keys', 'deny'],
  ['Edit(//etc/**)', 'Write', '/etc/hosts', 'deny'],
  ['Edit(//etc/**)', 'MultiEdit', '/etc/hosts', 'deny'],
  ['Edit(//etc/**)', 'NotebookEdit', '/etc/x.ipynb', 'deny'],
  ['Edit(//etc/**)', 'Read', '/etc/hosts', 'none'],
  ['Write(//tmp/**)', 'Write', '/tmp/x', 'deny'],
  ['Write(//tmp/**)', 'Edit', '/tmp/x', 'none'],
];

describe('Read/Edit path specifiers (deny)', () => {
  for (const [rule, tool, p, outcome] of TABLE)
    test(`${rule} / ${tool} ${p} → ${outcome}`, () => {
      const field = tool === 'NotebookEdit' ? 'notebook_path' : tool === 'Grep' || tool === 'LS' ? 'path' : 'file_path';
      const input = tool === 'Grep' ? { pattern: 'x', path: p } : { [field]: p };
      assert.equal(judge({ deny: [rule] }, tool, input).outcome, outcome);
    });
});

describe('allow rules stay narrow', () => {
  const cases: [string, string, string][] = [
    ['Edit(src/**)', '/repo/src/a.ts', 'allow'],
    ['Edit(src/**)', '/repo/lib/src/a.ts', 'none'],
    ['Edit(./src/**)', '/repo/src/../.git/config', 'none'],
    ['Edit(*.md)', '/repo/docs/a.md', 'allow'],
    ['Edit(*.md)', '/elsewhere/a.md', 'none'],
    ['Edit(//tmp/**)', '/tmp/x/y', 'allow'],
    ['Edit(/src/**)', '/repo/src/x', 'allow'],
    ['Edit(/src/**)', '/src/x', 'none'],
    ['Edit(./.env)', '/repo/.ENV', 'none'],
  ];
  for (const [rule, p, outcome] of cases) test(`${rule} / ${p} → ${outcome}`, () => assert.equal(judge({ allow: [rule] }, 'Edit', { file_path: p }).outcome, outcome));
});

describe('without a known cwd or home, deny matches wide and allow narrow', () => {
  const none = {};
  test('Read(./.env) still denies an absolute .env when the cwd is unknown', () => assert.equal(judge({ deny: ['Read(./.env)'] }, 'Read', { file_path: '/x/y/.env' }, none).outcome, 'deny'));
  test('~/.ssh/** still denies when home is unknown', () => assert.equal(judge({ deny: ['Read(~/.ssh/**)'] }, 'Read', { file_path: '/root/.ssh/id_rsa' }, none).outcome, 'deny'));
  test('an allow anchored at the cwd does not match when the cwd is unknown', () => assert.equal(judge({ allow: ['Edit(./src/**)'] }, 'Edit', { file_path: '/x/src/a.ts' }, none).outcome, 'none'));
  test('relative input paths resolve against an unknown cwd', () => {
    assert.equal(judge({ deny: ['Read(./.env)'] }, 'Read', { file_path: 'src/../.env' }, none).outcome, 'deny');
    assert.equal(judge({ allow: ['Read(./src/**)'] }, 'Read', { file_path: 'src/a.ts' }, none).outcome, 'allow');
    assert.equal(judge({ allow: ['Read(./src/**)'] }, 'Read', { file_path: '../src/a.ts' }, none).outcome, 'none');
  });
  test('~user paths are never the agent home for allow rules', () => {
    assert.equal(judge({ allow: ['Read(~/notes/**)'] }, 'Read', { file_path: '~root/notes/x' }, none).outcome, 'none');
    assert.equal(judge({ deny: ['Read(~/.ssh/**)'] }, 'Read', { file_path: '~root/.ssh/id_rsa' }, none).outcome, 'deny');
  });
});

describe('Glob and Grep', () => {
  test('a Grep glob that may reach a denied file asks; one that must, denies', () => {
    assert.equal(judge({ deny: ['Read(**/*.pem)'] }, 'Grep', { pattern: 'k', path: '/repo', glob: '*.pe?' }).outcome, 'ask');
    assert.equal(judge({ deny: ['Read(**/*.pem)'] }, 'Grep', { pattern: 'k', path: '/repo', glob: '*.pem' }).outcome, 'deny');
    assert.equal(judge({ deny: ['Read(**/*.pem)'] }, 'Grep', { pattern: 'k', path: '/repo', glob: '*.ts' }).outcome, 'none');
  });
  test('an allowed directory covers a Glob inside it, not one climbing out', () => {
    assert.equal(judge({ allow: ['Read(./src/**)'] }, 'Glob', { path: '/repo/src', pattern: '**/*.ts' }).outcome, 'allow');
    assert.equal(judge({ allow: ['Read(./src/**)'] }, 'Glob', { path: '/repo/src', pattern: '../../**/*' }).outcome, 'none');
  });
  test('a call without a path field matches only bare rules', () => {
    assert.equal(judge({ deny: ['Read(**/.env)'] }, 'Read', {}).outcome, 'none');
    assert.equal(judge({ deny: ['Read'] }, 'Read', {}).outcome, 'deny');
  });
});

describe('Bash commands meet Read/Edit deny and ask rules through their file arguments', () => {
  const r = { deny: ['Read(./secrets/**)', 'Edit(//etc/**)'], ask: ['Read(**/*.key)'] };
  const cases: [string, string][] = [
    ['cat secrets/a.txt', 'deny'],
    ['cd secrets && head -1 a.txt', 'deny'],
    ['sed -n 1p ./secrets/../secrets/a', 'deny'],
    ['echo x > /etc/hosts', 'deny'],
    ['tee -a /etc/hosts < /dev/null', 'deny'],
    ['sed -i s/a/b/ /etc/hosts', 'deny'],
    ['rm /etc/hosts', 'deny'],
    ['cat server.key', 'ask'],
    ['echo x > /dev/null; cat README.md', 'none'],
    ['grep secrets src/a.ts', 'none'],
  ];
  for (const [command, outcome] of cases) test(command, () => assert.equal(judge(r, 'Bash', { command }).outcome, outcome));
});
