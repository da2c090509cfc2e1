import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentJsonSchema } from '../policy/document.js';
import { policyCommand } from './policy.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) }, text: () => out.join(''), errors: () => err.join('') };
}

const config = {
  consumers: [
    { name: 'claude-code-staging', groups: ['agents'], labels: { level: 'staging' }, models: ['claude-sonnet-*'] },
    { name: 'claude-code-prod', groups: ['agents'], labels: { level: 'production' }, models: [] },
  ],
  policy: {
    acl: { allow: ['claude-code-staging'], deny: ['claude-code-prod'] },
    rules: [{ id: 'no-prod', when: 'consumer.labels.level == "staging" && request.path.startsWith("/api/prod")', reason: 'not for staging agents' }],
  },
};

test('explain from flags: consumer facts come from the config', async () => {
  let o = io();
  assert.equal(await policyCommand(['explain', '--consumer', 'claude-code-staging', '--path', '/api/prod/db', '--method', 'POST'], { config, ...o }), 0);
  assert.match(o.text(), /^decision: deny 403 — not for staging agents\ndecided by: rule:global\.no-prod\n/);
  assert.match(o.text(), /acl:global .* allow .*acl:global\.allow\.consumers/);

  o = io();
  await policyCommand(['explain', '--consumer', 'claude-code-prod', '--json'], { config, ...o });
  const j = JSON.parse(o.text());
  assert.equal(j.decision.rule, 'acl:global.deny.consumers');
  assert.equal(j.document.consumer.labels.level, 'production');

  o = io();
  await policyCommand(['explain', '--consumer', 'claude-code-staging', '--model', 'claude-opus-4-1'], { config, ...o });
  assert.match(o.text(), /decision: deny 403 WARDEN_E_MODEL_NOT_ALLOWED — model "claude-opus-4-1" is not allowed for consumer claude-code-staging; allowed: claude-sonnet-\*/);
});

test('explain from a decision document file; bad documents are refused with the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-explain-'));
  try {
    const good = join(dir, 'doc.json');
    writeFileSync(good, JSON.stringify({ door: 'hook', time: 0, consumer: { name: 'claude-code-staging', labels: { level: 'staging' } }, tool: { name: 'Bash', arguments: { command: 'ls' } } }));
    let o = io();
    assert.equal(await policyCommand(['explain', good], { config, ...o }), 0);
    assert.match(o.text(), /^decision: allow\ndecided by: acl:global\.allow\.consumers/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ door: 'hook', time: 0, consumer: { name: 'x', level: 'staging' } }));
    o = io();
    assert.equal(await policyCommand(['explain', bad], { config, ...o }), 2);
    assert.match(o.errors(), /bad decision document: consumer: Unrecognized key: "level"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check reports problems with their paths; schema prints the document schema', async () => {
  let o = io();
  assert.equal(await policyCommand(['check'], { config, ...o }), 0);
  o = io();
  assert.equal(await policyCommand(['check'], { config: { policy: { rules: [{ id: 'x', when: 'consumer.name ==' }], acl: { alow: [] } } }, ...o }), 1);
  assert.match(o.errors(), /policy\.acl: Unrecognized key: "alow"/);
  o = io();
  assert.equal(await policyCommand(['check'], { config: { policy: { rules: [{ id: 'x', when: 'consumer.name ==' }] } }, ...o }), 1);
  assert.match(o.errors(), /^error: policy\.rules\[0\]\.when: CEL syntax error/);
  o = io();
  assert.equal(await policyCommand(['schema'], { config, ...o }), 0);
  assert.deepEqual(JSON.parse(o.text()), documentJsonSchema());
  o = io();
  assert.equal(await policyCommand(['nope'], { config, ...o }), 2);
  assert.equal(await policyCommand(['explain', '--bogus'], { config, ...io() }), 2);
});

test('policy check: field typos, dangling route attachments and misnamed route policies together; consumers and providers accepted', async () => {
  const o = io();
  const live = {
    providers: { anthropic: {} },
    routes: [{ id: 'orders', policies: ['nope'] }],
    policy: {
      rules: [{ id: 't', when: 'tool.argumnets.command == "rm"' }],
      policies: { p: {} },
      attach: { routes: { anthropic: ['p'], orders: ['p'], ordrs: ['p'] }, consumers: { 'only-in-store': ['p'] } },
    },
  };
  assert.equal(await policyCommand(['check'], { config: live, ...o }), 1);
  assert.deepEqual(
    o.errors().trim().split('\n').map((l) => l.replace(/ \(.*$/, '')),
    ['error: routes[0].policies[0]: no policy named "nope" under policy.policies', 'error: policy.rules[0].when: unknown field tool.argumnets', 'error: policy.attach.routes.ordrs: no route or provider named "ordrs"'],
  );
});

test('explain refuses an unknown consumer instead of explaining a consumer with no facts', async () => {
  for (const name of ['nobody', 'claude-code-stagin', 'CLAUDE-CODE-STAGING']) {
    const o = io();
    assert.equal(await policyCommand(['explain', '--consumer', name, '--model', 'claude-haiku-4-5'], { config, ...o }), 1, name);
    assert.match(o.errors(), new RegExp(`^WARDEN_E_ADMIN_NOT_FOUND: --consumer ${name}: no such consumer .*claude-code-staging, claude-code-prod`), name);
    assert.equal(o.text(), '', name);
  }
});

test('explain --tool answers as the LLM door judges the call (policy, then the tool-use guard)', async () => {
  const { guardsSchema } = await import('../guards/config.js');
  const guarded = { ...config, guards: guardsSchema.parse({}) };
  const cases: { args: object; outcome: string; rule: RegExp }[] = [
    { args: { command: 'rm -rf /' }, outcome: 'deny', rule: /^tool_use\.defaults\.deny:/ },
    { args: { command: 'git push --force origin main' }, outcome: 'deny', rule: /^tool_use\.defaults\.deny:/ },
    { args: { command: 'ls -la' }, outcome: 'allow', rule: /./ },
  ];
  for (const c of cases) {
    const o = io();
    assert.equal(await policyCommand(['explain', '--consumer', 'claude-code-staging', '--door', 'llm', '--model', 'claude-sonnet-4-5', '--tool', 'Bash', '--args', JSON.stringify(c.args), '--json'], { config: guarded, ...o }), 0);
    const tool = (JSON.parse(o.text()) as { tool_use_guard: { outcome: string; rule: string } }).tool_use_guard;
    assert.equal(tool.outcome, c.outcome, JSON.stringify(c.args));
    assert.match(tool.rule, c.rule, JSON.stringify(c.args));
  }
  const off = io();
  await policyCommand(['explain', '--consumer', 'claude-code-staging', '--tool', 'Bash', '--args', '{"command":"rm -rf /"}'], { config: { ...config, guards: guardsSchema.parse({ tool_use: { enabled: false } }) }, ...off });
  // With the tool-use guard off the gateway still judges the call by the policy alone (here its ACL allows).
  assert.match(off.text(), /tool call \(as the LLM door judges it: the policy, then the tool-use guard's rules\): allow — acl:/);
});
