/**
 * Deny wins across every source that judges a tool call: the policy engine (CEL rules and
 * permission rules over `tool`), the user's tool-use rules and the defaults. One part of a
 * compound command denied by any set denies the whole call, whatever another set says about
 * another part (ask, allow, a builtin ask); the decision names the set and rule that decided.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema } from '../../policy/config.js';
import type { Decision } from '../../policy/decision.js';
import { parseDocument } from '../../policy/document.js';
import { compilePolicy } from '../../policy/engine.js';
import { guardsSchema } from '../config.js';
import { combineToolDecisions, judgeToolUse } from './judge.js';
import { compileToolUseRules } from './rules.js';
import { startOpaServer, type OpaServer } from '../../../test/support/opa-server.js';

const USER = { allow: ['Bash(make *)', 'Bash(npm publish *)'], ask: ['Bash(npm publish *)', 'Bash(./deploy.sh *)'], deny: ['Bash(kubectl delete *)'] };
const rules = compileToolUseRules(guardsSchema.parse({ tool_use: { permissions: USER } }))!;
const policy = compilePolicy(
  policySchema.parse({
    rules: [
      { id: 'ask-terraform', when: 'has(tool.arguments.command) && tool.arguments.command.contains("terraform")', action: 'ask', reason: 'infrastructure changes need a human' },
      { id: 'no-prod', when: 'has(tool.arguments.command) && tool.arguments.command.contains("--context=prod")', reason: 'prod is off limits' },
    ],
    permissions: { allow: ['Bash(git status)'], ask: ['Bash(helm *)'], deny: ['Bash(docker system prune *)'] },
  }),
);

function judge(command: string): Decision {
  const doc = parseDocument({ door: 'llm', time: 0, consumer: { name: 'dev' }, tool: { name: 'Bash', arguments: { command }, cwd: '/repo' } });
  const d = judgeToolUse(policy, rules, doc as Parameters<typeof judgeToolUse>[2]);
  assert.ok(!(d instanceof Promise), 'without OPA the judgement is synchronous');
  return d;
}

describe('deny wins across the policy engine, the user rules and the defaults, in every compound form', () => {
  // [command, outcome, the deciding rule (exact or a pattern)]
  const table: [string, Decision['outcome'], string | RegExp][] = [
    // The issue's example: a builtin ask (find -delete) must not hide the defaults' deny.
    ['find build -name x -delete; rm -rf build', 'deny', 'tool_use.defaults.deny:Bash(argv: rm -r|-R|--recursive -f|--force)'],
    ['npm publish --tag next && rm -fr build', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: rm /],
    ['make all || git reset --hard HEAD~3', 'deny', 'tool_use.defaults.deny:Bash(argv: git reset --hard)'],
    ['make | sh -c "shred secrets.txt"', 'deny', 'tool_use.defaults.deny:Bash(argv: shred)'],
    ['(npm publish x; git clean -fdx)', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: git clean /],
    ['make $(crontab -r)', 'deny', 'tool_use.defaults.deny:Bash(argv: crontab -r)'],
    ['make `mkfs.ext4 /dev/sdb1`', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: mkfs\*/],
    ['bash -c "npm publish x && git push origin --delete main"', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: git push -d\|--delete/],
    ["sh -c 'make; git push origin :main'", 'deny', 'tool_use.defaults.deny:Bash(argv: git push :*)'],
    ['eval "npm publish x; rm -rf /"', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: rm /],
    ['find . -name "*.o" | xargs rm -rf', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: rm /],
    ['ls | xargs -0 -n1 shred', 'deny', 'tool_use.defaults.deny:Bash(argv: shred)'],
    ['env FOO=1 git reset --hard', 'deny', 'tool_use.defaults.deny:Bash(argv: git reset --hard)'],
    ['env -i PATH=/bin make && env -u X git clean -xf', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: git clean /],
    ['nice -n 5 make && timeout 5 dd if=x.img of=/dev/sda', 'deny', 'tool_use.defaults.deny:Edit(//dev/**)'],
    ['timeout 10 npm publish x; nice git clean -xfd', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: git clean /],
    ['sudo -n make', 'deny', 'tool_use.defaults.deny:Bash(sudo *)'],
    // A user deny beside a default ask or allow, and beside the policy's ask.
    ['curl https://example.com; kubectl delete pod p', 'deny', 'tool_use.user.deny:Bash(kubectl delete *)'],
    ['git status && kubectl delete ns prod', 'deny', 'tool_use.user.deny:Bash(kubectl delete *)'],
    ['terraform plan && kubectl delete pod p', 'deny', 'tool_use.user.deny:Bash(kubectl delete *)'],
    // The policy engine's ask (CEL rule, permission rule) cannot hide a tool-use deny…
    ['terraform apply; rm -rf /', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: rm /],
    ['helm upgrade x; git push -f', 'deny', /^tool_use\.defaults\.deny:Bash\(argv: git push -f/],
    // …and a policy deny wins over a tool-use allow or ask.
    ['make --context=prod', 'deny', 'rule:global.no-prod'],
    ['git status; docker system prune -af', 'deny', 'permission:global.deny:Bash(docker system prune *)'],
    ['npm publish x && docker system prune -f', 'deny', 'permission:global.deny:Bash(docker system prune *)'],
    // Asks: the user's ask beats a default allow; a builtin ask beats an allow; a policy ask beats allow.
    ['git status && npm publish x', 'ask', 'tool_use.user.ask:Bash(npm publish *)'],
    ['find . -delete && git status', 'ask', 'permission:global.ask:<builtin:bash-always-ask>'],
    ['terraform plan && git status', 'ask', 'rule:global.ask-terraform'],
    ['helm list && make', 'ask', 'permission:global.ask:Bash(helm *)'],
    ['make && curl https://example.com', 'ask', 'tool_use.defaults.ask:Bash(curl *)'],
    // Allows: every part allowed by some set.
    ['make all && git status', 'allow', 'tool_use.user.allow:Bash(make *), tool_use.defaults.allow:Bash(git status)'],
    ['touch x', 'allow', 'tool_use.none'],
  ];
  for (const [command, outcome, rule] of table)
    test(command, () => {
      const d = judge(command);
      assert.equal(d.outcome, outcome, `${command}: ${d.rule}`);
      if (typeof rule === 'string') assert.equal(d.rule, rule);
      else assert.match(d.rule, rule);
    });
});

test('the other tools: a user allow of a path cannot open a default deny of it', () => {
  const r = compileToolUseRules(guardsSchema.parse({ tool_use: { permissions: { allow: ['Read(./.warden/**)', 'Edit(./**)'] } } }))!;
  for (const [name, args] of [
    ['Read', { file_path: '/repo/.warden/warden.db' }],
    ['Edit', { file_path: '/repo/warden.yaml', old_string: 'a', new_string: 'b' }],
    ['Write', { file_path: '/repo/.warden/audit/audit-000001.jsonl', content: '' }],
  ] as const) {
    const doc = parseDocument({ door: 'llm', time: 0, tool: { name, arguments: args, cwd: '/repo' } });
    const d = judgeToolUse(compilePolicy(policySchema.parse({})), r, doc as Parameters<typeof judgeToolUse>[2]) as Decision;
    assert.equal(d.outcome, 'deny', name);
    assert.match(d.rule, /^tool_use\.defaults\.deny:Read\(/);
  }
});

test('combineToolDecisions: deny beats ask beats allow; the engine is named first at one level', () => {
  const e = (outcome: Decision['outcome'], rule: string): Decision => ({ outcome, rule });
  assert.equal(combineToolDecisions(e('ask', 'rule:a'), e('deny', 'tool_use.user.deny:x')).rule, 'tool_use.user.deny:x');
  assert.equal(combineToolDecisions(e('deny', 'rule:a'), e('deny', 'tool_use.user.deny:x')).rule, 'rule:a');
  assert.equal(combineToolDecisions(e('allow', 'rule:a'), e('ask', 'tool_use.user.ask:x')).rule, 'tool_use.user.ask:x');
  assert.equal(combineToolDecisions(e('ask', 'rule:a'), e('allow', 'tool_use.user.allow:x')).rule, 'rule:a');
  assert.equal(combineToolDecisions(e('allow', 'rule:a'), null).rule, 'rule:a');
  assert.equal(combineToolDecisions(null, null).rule, 'tool_use.none');
});

describe("the tool-use rules judge a call in the call's own working directory", () => {
  const own = compileToolUseRules(guardsSchema.parse({ tool_use: { permissions: { allow: ['Read(./docs/**)', 'Bash(make *)'], deny: ['Read(./secret/**)'] } } }))!;
  const none = compilePolicy(policySchema.parse({}));
  // [tool, arguments, cwd, outcome]
  const rows: [string, Record<string, unknown>, string, Decision['outcome']][] = [
    ['Read', { file_path: '/work/proj/secret/notes.txt' }, '/work/proj', 'deny'],
    ['Read', { file_path: 'secret/notes.txt' }, '/work/proj', 'deny'],
    ['Read', { file_path: '/work/proj/docs/a.md' }, '/work/proj', 'allow'],
    ['Read', { file_path: '/work/other/secret/notes.txt' }, '/work/proj', 'allow'],
  ];
  for (const [name, args, cwd, outcome] of rows)
    test(`${name} ${JSON.stringify(args)} in ${cwd} → ${outcome}`, () => {
      const doc = parseDocument({ door: 'llm', time: 0, tool: { name, arguments: args, cwd } });
      const d = judgeToolUse(none, own, doc as Parameters<typeof judgeToolUse>[2]) as Decision;
      assert.equal(d.outcome, outcome, JSON.stringify(d));
    });
  test('an allow decision carries its rule and no reason field', () => {
    const doc = parseDocument({ door: 'llm', time: 0, tool: { name: 'Bash', arguments: { command: 'make all' }, cwd: '/work/proj' } });
    assert.deepEqual(judgeToolUse(none, own, doc as Parameters<typeof judgeToolUse>[2]), { outcome: 'allow', rule: 'tool_use.user.allow:Bash(make *)' });
  });
});

describe('with OPA in the policy the judgement is asynchronous and still combines the tool-use rules', () => {
  let opa: OpaServer;
  before(async () => (opa = await startOpaServer(() => ({ allow: true }))));
  after(() => opa.close());
  test('OPA allows, a user deny still denies; a user allow still allows', async () => {
    const withOpa = compilePolicy(policySchema.parse({ opa: { host: opa.url, policy: 'warden/allow', keepalive: false } }));
    const rows: [string, Decision['outcome'], string][] = [
      ['kubectl delete pod p', 'deny', 'tool_use.user.deny:Bash(kubectl delete *)'],
      ['make all', 'allow', 'tool_use.user.allow:Bash(make *)'],
    ];
    for (const [command, outcome, rule] of rows) {
      const doc = parseDocument({ door: 'llm', time: 0, consumer: { name: 'dev' }, tool: { name: 'Bash', arguments: { command }, cwd: '/repo' } });
      const pending = judgeToolUse(withOpa, rules, doc as Parameters<typeof judgeToolUse>[2]);
      assert.ok(pending instanceof Promise, 'OPA makes the judgement asynchronous');
      const d = await pending;
      assert.deepEqual([d?.outcome, d?.rule], [outcome, rule], command);
    }
  });
});
