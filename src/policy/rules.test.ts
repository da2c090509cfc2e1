import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema } from './config.js';
import { parseDocument } from './document.js';
import { celActivation, compileRules, evaluateRule, rulesReadBody } from './rules.js';

const compile = (rules: unknown[]) => {
  const problems: string[] = [];
  const out = compileRules(rules.map((r) => ruleSchema.parse(r)), 'global', 'policy.rules', problems);
  return { out, problems };
};
const run = (when: string, doc: unknown, extra: Record<string, unknown> = {}) => {
  const { out, problems } = compile([{ id: 'r', when, ...extra }]);
  assert.deepEqual(problems, []);
  const d = parseDocument(doc);
  return evaluateRule(out[0]!, celActivation(d, out[0]!.readsTime), d);
};
const seedDoc = {
  door: 'http',
  time: Date.UTC(2026, 2, 10, 14, 0),
  consumer: { name: 'claude-code-staging', labels: { level: 'staging' } },
  request: { method: 'POST', path: '/api/database/query', body: { query: 'SELECT * FROM users', database: 'prod' } },
};

test("seed 000's rule in CEL: staging consumer + prod database → deny with the reason", () => {
  const reason = 'access to production database is not allowed for staging agent';
  const d = run('consumer.labels.level == "staging" && request.body.database == "prod"', seedDoc, { reason });
  assert.deepEqual(d, { outcome: 'deny', rule: 'rule:global.r', reason, status: 403 });
  const staging = { ...seedDoc, request: { ...seedDoc.request, body: { database: 'staging' } } };
  assert.equal(run('consumer.labels.level == "staging" && request.body.database == "prod"', staging), null);
});

test('compile errors name the rule config path', () => {
  const { problems } = compile([
    { id: 'ok', when: 'door == "http"' },
    { id: 'syntax', when: 'door == ' },
    { id: 'unknown-var', when: 'user.name == "x"' },
    { id: 'types', when: 'door + 1 == 2' },
    { id: 'not-bool', when: '"yes"' },
    { id: 'ok', when: 'true' },
    { id: 'red', when: 'true', action: 'redact' },
    { id: 're', when: 'request.path.matches("(?i)^/admin")' },
    { id: 're2', when: 'request.path.matches("[unclosed")' },
    { id: 're-ok', when: 'request.path.matches("^/api/(v1|v2)/")' },
  ]);
  assert.equal(problems.length, 8, problems.join('\n'));
  assert.match(problems[0]!, /^policy\.rules\[1\]\.when: CEL syntax error/);
  assert.match(problems[1]!, /^policy\.rules\[2\]\.when: CEL type error: Unknown variable: user/);
  assert.match(problems[2]!, /^policy\.rules\[3\]\.when: CEL type error/);
  assert.match(problems[3]!, /^policy\.rules\[4\]\.when: .*must be a condition/);
  assert.match(problems[4]!, /^policy\.rules\[5\]\.id: rule id "ok" is used twice/);
  assert.match(problems[5]!, /^policy\.rules\[6\]\.redact:/);
  assert.match(problems[6]!, /^policy\.rules\[7\]\.when: matches\("\(\?i\)\^\/admin"\): Invalid regular expression.*lowerAscii/);
  assert.match(problems[7]!, /^policy\.rules\[8\]\.when: matches\("\[unclosed"\)/);
});

test('absent sections read as null; a rule about a section the request lacks does not apply', () => {
  const http = { door: 'http', time: 0, consumer: { name: 'a' }, request: { method: 'GET', path: '/x' } };
  assert.equal(run('tool != null && tool.name == "Bash"', http), null);
  assert.equal(run('tool.name == "Bash"', http), null, 'no tool call at the http door: not applicable');
  assert.equal(run('request.path.startsWith("/api")', { door: 'hook', time: 0, consumer: { name: 'a' }, tool: { name: 'Bash' } }), null, 'no HTTP request at the hook door');
  assert.equal(run('tool == null', http)?.outcome, 'deny', 'explicit null checks still work');
  assert.equal(run('request.body.database == "prod"', http), null, 'a request without a body is not about body fields');
});

test('other run-time errors fail closed unless on_error: skip; allow rules never grant on error', () => {
  const http = { door: 'http', time: 0, consumer: { name: 'a' }, request: { body: { query: 'SELECT 1' } } };
  const failed = run('request.body.database != "staging"', http);
  assert.equal(failed?.outcome, 'deny', 'a missing field cannot bypass a deny rule');
  assert.match(failed!.reason!, /could not be evaluated: No such key: database/);
  assert.equal(run('request.body.database != "staging"', http, { on_error: 'skip' }), null);
  assert.equal(run('request.body.database != "staging"', http, { action: 'allow' }), null);
  assert.equal(run('consumer.labels.level == "staging"', { door: 'http', time: 0 })?.outcome, 'deny', 'a missing identity fails closed');
  assert.equal(run('request.method + 1 == 2', http)?.outcome, 'deny');
});

test('actions ask, allow and redact; time, groups, numbers', () => {
  assert.deepEqual(run('"agents" in consumer.groups', { door: 'mcp', time: 0, consumer: { name: 'a', groups: ['agents'] } }, { action: 'ask', approvers: ['lead'] }), {
    outcome: 'ask', rule: 'rule:global.r', approvers: ['lead'],
  });
  assert.deepEqual(run('door == "llm"', { door: 'llm', time: 0 }, { action: 'allow' }), { outcome: 'allow', rule: 'rule:global.r' });
  assert.deepEqual(run('true', { door: 'llm', time: 0 }, { action: 'redact', redact: ['secrets'] }), { outcome: 'redact', rule: 'rule:global.r', redact: ['secrets'] });
  assert.equal(run('time.getHours("UTC") == 14', seedDoc)?.outcome, 'deny');
  assert.equal(run('request.port == 443 && request.port > 400', { door: 'http', time: 0, request: { port: 443 } })?.outcome, 'deny');
  assert.equal(run('sql.statements.exists(s, s.kind == "delete")', { door: 'postgres', time: 0, sql: { statements: [{ kind: 'select' }, { kind: 'delete', tables: ['users'] }] } })?.outcome, 'deny');
});

test('matched decisions are shared and frozen', () => {
  const { out } = compile([{ id: 'r', when: 'true' }]);
  const d = parseDocument({ door: 'http', time: 0 });
  const a = evaluateRule(out[0]!, celActivation(d, false), d);
  assert.equal(a, evaluateRule(out[0]!, celActivation(d, false), d));
  assert.ok(Object.isFrozen(a));
});

test('rulesReadBody tells whether doors must supply the body', () => {
  assert.equal(rulesReadBody(compile([{ id: 'a', when: 'door == "http"' }]).out), false);
  assert.equal(rulesReadBody(compile([{ id: 'a', when: 'has(request.body.x)' }]).out), true);
});
