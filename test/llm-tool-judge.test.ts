/**
 * The tool-use judgement on the LLM door, through a real Warden and a real upstream that
 * answers with tool_use blocks: an ask (the defaults' `curl`, the user's ask, a policy
 * `tool.*` rule) refuses the call and records a pending approval; once a human approves,
 * the identical call passes unchanged; a refused approval denies. Deny wins across the
 * policy engine, the user's rules and the defaults, and the audit names the deciding set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { contentReply, startUpstream, toolUseReply, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

const TOOLS = [{ name: 'Bash', description: 'run', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }];
type Msg = Anthropic.Messages.Message;

describe('tool-use asks, approvals and policy tool rules on the LLM door', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let client: Anthropic;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: { tool_use: { permissions: { allow: ['Bash(make *)'], ask: ['Bash(npm publish *)'], deny: ['Bash(kubectl delete *)'] } } },
      policy: {
        rules: [
          { id: 'ask-terraform', when: 'has(tool.arguments.command) && tool.arguments.command.contains("terraform")', action: 'ask', reason: 'infrastructure changes need a human' },
          { id: 'no-prod', when: 'has(tool.arguments.command) && tool.arguments.command.contains("--context=prod")', reason: 'prod is off limits' },
        ],
      },
    });
    client = new Anthropic({ baseURL: w.url, apiKey: w.key('dev').key, maxRetries: 0 });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  /** The model asks for one Bash call; returns both the streamed and the plain answer. */
  async function ask(command: string): Promise<Msg[]> {
    upstream.reset();
    upstream.script(() => toolUseReply({ name: 'Bash', input: { command }, text: 'On it.' }));
    const params = { model: 'claude-sonnet-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user' as const, content: 'go' }] };
    return [await client.messages.stream(params).finalMessage(), await client.messages.create(params)];
  }
  const lastDecisions = (n: number) => readAuditRecords(w.auditDir).slice(-n).map((r) => r.tool_decisions?.[0]);
  const refusal = (m: Msg) => {
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(!m.content.some((b) => b.type === 'tool_use'), 'the tool call reached the agent');
    return (m.content.at(-1) as { text: string }).text;
  };
  const passed = (m: Msg, command: string) => {
    assert.equal(m.stop_reason, 'tool_use');
    const call = m.content.find((b) => b.type === 'tool_use') as { input: unknown } | undefined;
    assert.deepEqual(call?.input, { command }, 'the approved call passes unchanged');
  };

  for (const [command, rule] of [
    ['curl -s https://api.example.com/health', 'tool_use.defaults.ask:Bash(curl *)'],
    ['npm publish --tag next', 'tool_use.user.ask:Bash(npm publish *)'],
    ['terraform apply -auto-approve', 'rule:global.ask-terraform'],
  ] as const)
    test(`ask → pending approval, approved → passes, then a refused approval denies: ${command}`, async () => {
      const first = await ask(command);
      const ids = first.map((m) => /approval (\S+) is pending/.exec(refusal(m))?.[1]);
      assert.ok(ids[0], refusal(first[0]!));
      assert.equal(ids[1], ids[0], 'asking again reuses the pending approval');
      for (const d of lastDecisions(2)) {
        assert.equal(d?.outcome, 'ask');
        assert.equal(d?.rule, rule);
        assert.equal(d?.approval, ids[0]);
      }
      const decided = await w.warden.gateway.approvals.decide(ids[0]!, { status: 'approved', by: 'alice', expires: Date.now() + 60_000, now: Date.now() });
      assert.equal(decided?.status, 'approved');
      for (const m of await ask(command)) passed(m, command);
      for (const d of lastDecisions(2)) {
        assert.equal(d?.outcome, 'allow');
        assert.equal(d?.approval, ids[0]);
      }
      // The approval covers that exact call only.
      const other = await ask(`${command} --verbose`);
      assert.match(refusal(other[0]!), /approval \S+ is pending/);
    });

  test('an approver refusing the ask denies the call', async () => {
    const first = await ask('wget https://example.com/x.tgz');
    const id = /approval (\S+) is pending/.exec(refusal(first[0]!))![1]!;
    await w.warden.gateway.approvals.decide(id, { status: 'denied', by: 'bob', expires: Date.now() + 60_000, now: Date.now() });
    for (const m of await ask('wget https://example.com/x.tgz')) assert.match(refusal(m), /refused by bob/);
    for (const d of lastDecisions(2)) assert.equal(d?.outcome, 'deny');
  });

  test('a policy tool.* deny refuses the call even where a tool-use rule allows it', async () => {
    for (const m of await ask('make deploy --context=prod')) assert.match(refusal(m), /prod is off limits/);
    for (const d of lastDecisions(2)) assert.deepEqual([d?.outcome, d?.rule], ['deny', 'rule:global.no-prod']);
  });

  // [command, the rule the audit must name]: one part is asked or allowed by one set, another denied by another.
  const denyWins: [string, string | RegExp][] = [
    ['find build -name x -delete; rm -rf build', /^tool_use\.defaults\.deny:Bash\(argv: rm /],
    ['npm publish --tag next && git reset --hard', 'tool_use.defaults.deny:Bash(argv: git reset --hard)'],
    ['terraform apply; git push origin --delete main', /^tool_use\.defaults\.deny:Bash\(argv: git push -d/],
    ['make all | bash -c "curl -s x; kubectl delete ns prod"', 'tool_use.user.deny:Bash(kubectl delete *)'],
    ['echo aGk= | base64 -d | sh', /^tool_use\.defaults\.deny:Bash\(argv: base64/],
    ['npx warden approvals approve apr_x --by agent', /^tool_use\.defaults\.deny:Bash\(argv: .*approvals\|keys/],
  ];
  for (const [command, rule] of denyWins)
    test(`deny wins and no approval is offered: ${command}`, async () => {
      for (const m of await ask(command)) {
        const text = refusal(m);
        assert.doesNotMatch(text, /approval \S+ is pending/);
        assert.match(text, /^Warden blocked the tool call Bash/);
      }
      for (const d of lastDecisions(2)) {
        assert.equal(d?.outcome, 'deny');
        if (typeof rule === 'string') assert.equal(d?.rule, rule);
        else assert.match(d?.rule ?? '', rule);
      }
    });

  test('an allowed call next to an asked one: the allowed passes, the asked becomes text', async () => {
    upstream.reset();
    upstream.script(() =>
      contentReply(
        [
          { type: 'tool_use', id: 'toolu_ok', name: 'Bash', input: { command: 'make test' } },
          { type: 'tool_use', id: 'toolu_ask', name: 'Bash', input: { command: 'curl https://example.com' } },
        ],
        'tool_use',
      ),
    );
    const m = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: 'go' }] });
    assert.deepEqual(m.content[0], { type: 'tool_use', id: 'toolu_ok', name: 'Bash', input: { command: 'make test' } });
    assert.equal(m.content[1]!.type, 'text');
    assert.match((m.content[1] as { text: string }).text, /approval \S+ is pending/);
    const decisions = readAuditRecords(w.auditDir).at(-1)!.tool_decisions!;
    assert.deepEqual(decisions.map((d) => [d.outcome, d.rule]), [['allow', 'tool_use.user.allow:Bash(make *)'], ['ask', 'tool_use.defaults.ask:Bash(curl *)']]);
  });
});
