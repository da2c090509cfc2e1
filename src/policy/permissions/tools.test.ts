import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from './helpers-for-tests.js';

describe('MCP tool names', () => {
  const cases: [string, string, boolean][] = [
    ['mcp__github', 'mcp__github__delete_repo', true],
    ['mcp__github', 'mcp__github', true],
    ['mcp__github', 'mcp__githubx__delete_repo', false],
    ['mcp__github__delete_repo', 'mcp__github__delete_repo', true],
    ['mcp__github__delete_repo', 'mcp__github__delete_repository', false],
    ['mcp__github__*', 'mcp__github__create_issue', true],
    ['mcp__github__*', 'mcp__gitlab__create_issue', false],
    ['mcp__github__delete_*', 'mcp__github__delete_repo', true],
    ['mcp__github__delete_*', 'mcp__github__create_repo', false],
    ['mcp__my_server', 'mcp__my_server__run', true],
  ];
  for (const [rule, tool, hit] of cases) test(`${rule} ${hit ? 'matches' : 'misses'} ${tool}`, () => assert.equal(judge({ deny: [rule] }, tool, {}).outcome, hit ? 'deny' : 'none'));
  test('allow needs a literal mcp__server__ before a wildcard, deny does not', () => {
    assert.equal(judge({ deny: ['mcp__*'] }, 'mcp__x__y', {}).outcome, 'deny');
    assert.equal(judge({ deny: ['*'] }, 'Anything', {}).outcome, 'deny');
    assert.equal(judge({ allow: ['mcp__x__*'] }, 'mcp__x__y', {}).outcome, 'allow');
  });
  test('parameters of MCP tools', () => {
    const r = { deny: ['mcp__github__create_issue(repo:acme/*)'] };
    assert.equal(judge(r, 'mcp__github__create_issue', { repo: 'acme/api' }).outcome, 'deny');
    assert.equal(judge(r, 'mcp__github__create_issue', { repo: 'other/api' }).outcome, 'none');
    assert.equal(judge(r, 'mcp__github__create_issue', { repo: { nested: 1 } }).outcome, 'none');
  });
});

describe('WebFetch domains', () => {
  const cases: [string, string, boolean][] = [
    ['domain:example.com', 'https://example.com/a', true],
    ['domain:example.com', 'https://EXAMPLE.com./a', true],
    ['domain:example.com', 'https://docs.example.com/a', false],
    ['domain:example.com', 'https://example.com.evil.io/a', false],
    ['domain:example.com', 'https://evil.io/?u=example.com', false],
    ['domain:example.com', 'https://example.com@evil.io/', false],
    ['domain:*.example.com', 'https://docs.example.com/', true],
    ['domain:*.example.com', 'https://a.b.example.com/', true],
    ['domain:*.example.com', 'https://example.com/', false],
    ['domain:*.example.com', 'https://badexample.com/', false],
    ['domain:api-*.example.com', 'https://api-eu.example.com/', true],
    ['domain:api-*.example.com', 'https://api-eu.x.example.com/', false],
    ['domain:*', 'https://anything.io/', true],
    ['domain:bücher.de', 'https://xn--bcher-kva.de/', true],
  ];
  for (const [spec, url, hit] of cases) test(`${spec} ${hit ? 'matches' : 'misses'} ${url}`, () => assert.equal(judge({ allow: [`WebFetch(${spec})`] }, 'WebFetch', { url }).outcome, hit ? 'allow' : 'none'));
  test('an unparseable URL meets deny rules, never allow rules', () => {
    assert.equal(judge({ deny: ['WebFetch(domain:evil.io)'] }, 'WebFetch', { url: 'not a url' }).outcome, 'deny');
    assert.equal(judge({ allow: ['WebFetch(domain:ok.io)'] }, 'WebFetch', { url: 'not a url' }).outcome, 'none');
  });
  test('bare WebFetch and WebSearch', () => {
    assert.equal(judge({ ask: ['WebFetch'] }, 'WebFetch', { url: 'https://x.io' }).outcome, 'ask');
    assert.equal(judge({ allow: ['WebSearch'] }, 'WebSearch', { query: 'x' }).outcome, 'allow');
    assert.equal(judge({ deny: ['WebSearch(query:*password*)'] }, 'WebSearch', { query: 'admin password list' }).outcome, 'deny');
  });
});

describe('deny beats ask beats allow, whatever the order of the lists', () => {
  const r = { allow: ['Read', 'mcp__db'], ask: ['Read(./docs/**)', 'mcp__db__query'], deny: ['Read(./docs/private/**)', 'mcp__db__drop'] };
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['Read', { file_path: '/repo/docs/private/x' }, 'deny', 'deny: Read(./docs/private/**)'],
    ['Read', { file_path: '/repo/docs/x' }, 'ask', 'ask: Read(./docs/**)'],
    ['Read', { file_path: '/repo/src/x' }, 'allow', 'allow: Read'],
    ['mcp__db__drop', {}, 'deny', 'deny: mcp__db__drop'],
    ['mcp__db__query', {}, 'ask', 'ask: mcp__db__query'],
    ['mcp__db__list', {}, 'allow', 'allow: mcp__db'],
    ['Edit', { file_path: '/repo/src/x' }, 'none', ''],
  ];
  for (const [tool, input, outcome, rule] of cases)
    test(`${tool} ${JSON.stringify(input)}`, () => {
      const got = judge(r, tool, input);
      assert.equal(got.outcome, outcome);
      assert.equal(got.rule ?? '', rule);
    });
});

describe('other tools', () => {
  test('Agent(Explore) names a subagent type', () => {
    assert.equal(judge({ deny: ['Agent(Explore)'] }, 'Agent', { subagent_type: 'Explore' }).outcome, 'deny');
    assert.equal(judge({ deny: ['Agent(Explore)'] }, 'Agent', { subagent_type: 'Plan' }).outcome, 'none');
  });
  test('Tool(param:value) matches a scalar input parameter', () => {
    assert.equal(judge({ ask: ['Agent(model:opus*)'] }, 'Agent', { model: 'opus-4' }).outcome, 'ask');
    assert.equal(judge({ ask: ['Agent(model:opus*)'] }, 'Agent', { model: 'haiku' }).outcome, 'none');
  });
  test('file tools read their specifier as a path, never as param:value', () => {
    assert.equal(judge({ deny: ['NotebookEdit(cell_type:code)'] }, 'NotebookEdit', { cell_type: 'code', notebook_path: '/repo/a.ipynb' }).outcome, 'none');
    assert.equal(judge({ deny: ['Read(a:b)'] }, 'Read', { file_path: '/repo/a:b' }).outcome, 'deny');
  });
  test('a bare Read rule covers the read tools, a bare Edit rule the writers', () => {
    assert.equal(judge({ deny: ['Read'] }, 'Grep', { pattern: 'x' }).outcome, 'deny');
    assert.equal(judge({ deny: ['Edit'] }, 'Write', { file_path: '/repo/x' }).outcome, 'deny');
    assert.equal(judge({ deny: ['Write'] }, 'Edit', { file_path: '/repo/x' }).outcome, 'none');
  });
  test('a missing or odd input never throws', () => {
    assert.equal(judge({ deny: ['Read(**/.env)'] }, 'Read', { file_path: 42 }).outcome, 'none');
    assert.equal(judge({ deny: ['Bash(rm *)'] }, 'Bash', { command: ['rm'] }).outcome, 'ask');
    assert.equal(judge({ deny: ['Bash'] }, 'Bash', {}).outcome, 'deny');
  });
});
