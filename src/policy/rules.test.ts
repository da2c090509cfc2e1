import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema } from './config.js';
import { parseDocument } from './document.js';
import { CelActivation, compileRules, evaluateRule, rulesReadBody } from './rules.js';

const compile = (rules: unknown[]) => {
  const problems: string[] = [];
  const out = compileRules(rules.map((r) => ruleSchema.parse(r)), 'global', 'policy.rules', problems);
  return { out, problems };
};
const run = (when: string, doc: unknown, extra: Record<string, unknown> = {}) => {
  const { out, problems } = compile([{ id: 'r', when, ...extra }]);
  assert.deepEqual(problems, []);
  return evaluateRule(out[0]!, new CelActivation(parseDocument(doc)));
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
  ]);
  assert.equal(problems.length, 6, problems.join('\n'));
  assert.match(problems[0]!, /^policy\.rules\[1\]\.when: CEL syntax error/);
  assert.match(problems[1]!, /^policy\.rules\[2\]\.when: CEL type error: Unknown variable: user/);
  assert.match(problems[2]!, /^policy\.rules\[3\]\.when: CEL type error/);
  assert.match(problems[3]!, /^policy\.rules\[4\]\.when: .*must be a condition/);
  assert.match(problems[4]!, /^policy\.rules\[5\]\.id: rule id "ok" is used twice/);
  assert.match(problems[5]!, /^policy\.rules\[6\]\.redact:/);
});

test('absent sections read as null; run-time errors fail closed unless on_error: skip', () => {
  const http = { door: 'http', time: 0 };
  assert.equal(run('tool != null && tool.name == "Bash"', http), null);
  const failed = run('tool.name == "Bash"', http);
  assert.equal(failed?.outcome, 'deny');
  assert.match(failed!.reason!, /could not be evaluated/);
  assert.equal(run('tool.name == "Bash"', http, { on_error: 'skip' }), null);
  assert.equal(run('tool.name == "Bash"', http, { action: 'allow' }), null, 'an allow rule never grants on error');
  assert.equal(run('request.body.database != "staging"', { door: 'http', time: 0, request: {} })?.outcome, 'deny', 'a missing field cannot bypass a deny rule');
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
  const act = new CelActivation(parseDocument({ door: 'http', time: 0 }));
  const a = evaluateRule(out[0]!, act);
  assert.equal(a, evaluateRule(out[0]!, act));
  assert.ok(Object.isFrozen(a));
});

test('rulesReadBody tells whether doors must supply the body', () => {
  assert.equal(rulesReadBody(compile([{ id: 'a', when: 'door == "http"' }]).out), false);
  assert.equal(rulesReadBody(compile([{ id: 'a', when: 'has(request.body.x)' }]).out), true);
});
