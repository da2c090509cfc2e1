import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema } from './config.js';
import { compileRules } from './rules.js';

const problemsOf = (when: string): string[] => {
  const problems: string[] = [];
  compileRules([ruleSchema.parse({ id: 'r', when })], 'global', 'policy.rules', problems);
  return problems;
};

// Fields the decision document can never have: refused at load, named with the rule's path.
const UNKNOWN: [string, string][] = [
  ['consumer.nmae == "alice"', 'unknown field consumer.nmae (known: name, groups, labels, models)'],
  ['key.ID == "key_1"', 'unknown field key.ID (known: id, models)'],
  ['request.paht.startsWith("/admin")', 'unknown field request.paht'],
  ['request.header["x-a"] == "b"', 'unknown field request.header'],
  ['connection.remote_ip == "10.0.0.1"', 'unknown field connection.remote_ip'],
  ['llm.modle == "claude"', 'unknown field llm.modle'],
  ['tool.args.command == "rm"', 'unknown field tool.args'],
  ['session.user == "x"', 'unknown field session.user (known: id)'],
  ['sql.statement.size() > 0', 'unknown field sql.statement (known: statements, database, params, grant)'],
  // Deeper: inside a list element reached through a macro variable.
  ['sql.statements.exists(s, s.kindd == "ddl")', 'unknown field sql.statements[].kindd (known: kind, effect, tables, functions, operations, text, reason)'],
  ['sql.statements[0].tabels.size() > 0', 'unknown field sql.statements[].tabels'],
  // Index syntax with a literal string is the same field access.
  ['consumer["nmae"] == "alice"', 'unknown field consumer.nmae'],
  // Inside macros and has(): the typo is still a typo.
  ['has(consumer.nmae)', 'unknown field consumer.nmae'],
  ['"admins" in consumer.gruops', 'unknown field consumer.gruops'],
  ['consumer.groups.exists(g, g == consumer.nmae)', 'unknown field consumer.nmae'],
  ['cel.bind(c, consumer, c.nmae == "x")', 'unknown field consumer.nmae'],
  ['door == "llm" ? llm.stram : false', 'unknown field llm.stram'],
  ['[tool.nme].size() > 0', 'unknown field tool.nme'],
  ['{"a": consumer.nmae}.a == "x"', 'unknown field consumer.nmae'],
  // A field of a scalar or a list surely fails at run time.
  ['consumer.name.first == "a"', 'consumer.name is a string: it has no field first'],
  ['consumer.groups.first == "a"', 'consumer.groups is a list: it has no field first'],
  // A comprehension variable that shadows a root name takes the element's type.
  ['consumer.groups.all(consumer, consumer.name == "x")', 'consumer.groups[] is a string: it has no field name'],
];

for (const [when, expected] of UNKNOWN) {
  test(`refused at load: ${when}`, () => {
    const problems = problemsOf(when);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.ok(problems[0]!.startsWith('policy.rules[0].when: '), problems[0]);
    assert.ok(problems[0]!.includes(expected), `${problems[0]} should include ${expected}`);
  });
}

// Every part of the document each door fills, map keys, loose objects and comprehension
// variables: none of these may be refused.
const VALID = [
  // identity (every door)
  'consumer.name == "a" && "g" in consumer.groups && consumer.labels.level == "prod" && consumer.models.size() == 0',
  'key.id.startsWith("key_") && key.models.exists(m, m == "claude-*")',
  'door == "mcp" && time.getHours() > 8',
  // http door
  'request.scheme == "https" && request.method == "POST" && request.host == "api" && request.port == 443',
  'request.path.startsWith("/api") && request.query.page == "1" && request.headers["x-tenant"] == "t1"',
  'request.body.database == "prod" && request.body.deep.nested[0].x == 1 && request.body_size > 10',
  'connection.remote_addr == "127.0.0.1" && connection.remote_port > 0 && connection.server_addr != "" && connection.server_port == 8080',
  'route.id == "prod-db" && route.uri == "/x" && route.labels.team == "a" && service.id == "s" && service.anything.goes',
  // llm door
  'llm.provider == "anthropic" && llm.model.startsWith("claude") && !llm.stream && "Bash" in llm.tools',
  // mcp / hook doors
  'tool.server == null && tool.name == "Bash" && tool.arguments.command.contains("rm") && tool.cwd.startsWith("/repo")',
  'tool.arguments["file_path"].endsWith(".env") && tool.arguments.edits.exists(e, e.old_string == "x")',
  // postgres door
  'sql.statements.exists(s, s.kind == "ddl" || s.tables.exists(t, t == "users") || "pg_sleep" in s.functions)',
  'sql.statements.all(s, s.kind == "select") && sql.statements.map(s, s.kind).size() > 0',
  'sql.statements.filter(s, s.kind == "delete").exists(s, s.tables.size() > 1)',
  'session.id != ""',
  // macros and optional access
  'has(request.body.database) && has(consumer.labels.level) && has(tool.cwd)',
  'request.headers.exists(h, h.startsWith("x-"))',
  'consumer.labels.all(k, consumer.labels[k] != "")',
  'consumer.groups.exists_one(name, name == "admins")',
  'consumer.groups.exists(tool, tool == "x") && tool.name == "Bash"',
  'cel.bind(s, sql.statements, s.size() > 0 && s[0].kind == "select")',
  '[1, 2].exists(x, x > 1) && {"a": 1}.a == 1',
  'consumer.labels[consumer.name] == "x" || request.query[request.path] == "y"',
];

for (const when of VALID) {
  test(`accepted: ${when}`, () => {
    assert.deepEqual(problemsOf(when), []);
  });
}

test('every typo of one rule is listed, each once', () => {
  const problems = problemsOf('consumer.nmae == "a" || consumer.nmae == "b" || request.paht == "/"');
  assert.deepEqual(
    problems.map((p) => p.replace(/ \(known:.*/, '')),
    ['policy.rules[0].when: unknown field consumer.nmae', 'policy.rules[0].when: unknown field request.paht'],
  );
});
