/**
 * The response guard on the LLM door, through a real Warden with the official SDK: a
 * secret the model writes is redacted even when it arrives split across many deltas, every
 * SSE event stays well-formed, a refused tool call becomes a text block (streamed and not),
 * and an answer without anything to guard passes byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { collectSse, contentReply, startUpstream, textReply, toolUseReply, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

const GH_TOKEN = ['ghp_', 'R8kQ2mZx7LpV4nW9sT3yB6cD1fH5jK0aE2uY'].join('');
const TOOLS = [{ name: 'Bash', description: 'run', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }];

describe('the response guard on the LLM door', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let client: Anthropic;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      providers: anthropicUpstreamConfig(upstream.url),
      models: [{ match: 'claude-*', provider: 'anthropic' }],
      guards: { secrets: { action: 'redact' }, tool_use: {} },
    });
    client = new Anthropic({ baseURL: w.url, apiKey: w.key('dev').key, maxRetries: 0 });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  test('a secret split across 3-character deltas is redacted in the stream; events stay well-formed', async () => {
    upstream.reset();
    upstream.script(() => textReply(`Here is the token you asked for: ${GH_TOKEN} — keep it safe.`, { chunkChars: 3 }));
    const res = await fetch(`${w.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': client.apiKey! },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'token?' }] }),
    });
    const raw = await res.text();
    assert.ok(!raw.includes(GH_TOKEN), 'the token left Warden');
    assert.ok(!raw.includes(GH_TOKEN.slice(0, 12)), 'a prefix of the token left Warden');
    const events = collectSse(raw);
    for (const e of events) assert.equal(typeof e.data, 'object', `malformed event ${e.event}: ${e.raw}`);
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text ?? '').join('');
    assert.match(text, /^Here is the token you asked for: \[REDACTED:github-pat\] — keep it safe\.$/);
    const rec = readAuditRecords(w.auditDir).at(-1)!;
    assert.deepEqual(rec.response_findings, ['secrets:github-pat']);
  });

  test('the SDK reads a redacted streamed answer, and a non-streamed one', async () => {
    upstream.reset();
    upstream.script(() => textReply(`token ${GH_TOKEN}`, { chunkChars: 5 }));
    const streamed = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    assert.equal(streamed.content[0]!.type, 'text');
    assert.equal((streamed.content[0] as { text: string }).text, 'token [REDACTED:github-pat]');
    const plain = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(plain.content[0]!.type, 'text');
    assert.equal((plain.content[0] as { text: string }).text, 'token [REDACTED:github-pat]');
  });

  test('a refused tool call becomes a text block and stop_reason end_turn, streamed and not', async () => {
    upstream.reset();
    upstream.script(() => toolUseReply({ name: 'Bash', input: { command: 'sudo rm -rf /' }, text: 'Let me clean up.' }));
    const params = { model: 'claude-sonnet-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user' as const, content: 'clean' }] };
    for (const m of [await client.messages.stream(params).finalMessage(), await client.messages.create(params)]) {
      assert.equal(m.stop_reason, 'end_turn');
      assert.equal(m.content.length, 2);
      assert.equal(m.content[0]!.type, 'text');
      assert.equal(m.content[1]!.type, 'text');
      assert.match((m.content[1] as { text: string }).text, /^Warden blocked the tool call Bash: .*sudo/);
      assert.ok(!m.content.some((b) => b.type === 'tool_use'));
    }
    const decisions = readAuditRecords(w.auditDir).slice(-2).map((r) => r.tool_decisions);
    for (const d of decisions) {
      assert.equal(d?.length, 1);
      assert.equal(d![0]!.outcome, 'deny');
      assert.match(d![0]!.rule, /^tool_use\.defaults\.deny:/);
    }
  });

  test('one allowed and one refused tool call: the allowed one passes unchanged, stop_reason stays tool_use', async () => {
    upstream.reset();
    upstream.script(() =>
      contentReply(
        [
          { type: 'tool_use', id: 'toolu_ok', name: 'Bash', input: { command: 'git status' } },
          { type: 'tool_use', id: 'toolu_bad', name: 'Bash', input: { command: 'git push --force origin main' } },
        ],
        'tool_use',
      ),
    );
    const m = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: 'ship it' }] }).finalMessage();
    assert.equal(m.stop_reason, 'tool_use');
    assert.deepEqual(m.content[0], { type: 'tool_use', id: 'toolu_ok', name: 'Bash', input: { command: 'git status' } });
    assert.equal(m.content[1]!.type, 'text');
    assert.match((m.content[1] as { text: string }).text, /git push/);
  });

  test('nothing found: the text and every other event arrive unchanged', async () => {
    upstream.reset();
    upstream.script(() => textReply('A plain answer with nothing secret in it.', { chunkChars: 4 }));
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] });
    const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': client.apiKey! }, body });
    const through = await res.text();
    const direct = await (await fetch(`${upstream.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
    // The guard re-issues held text as its own deltas; only the delta boundaries may differ.
    const textOf = (raw: string) => collectSse(raw).filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join('');
    assert.equal(textOf(through), textOf(direct));
    const nonText = (raw: string) => collectSse(raw).filter((e) => e.event !== 'content_block_delta').map((e) => JSON.stringify(e.data));
    assert.deepEqual(nonText(through), nonText(direct));
  });

  test('an upstream error answer passes unguarded and unchanged', async () => {
    upstream.reset();
    upstream.script(() => ({ kind: 'error', status: 529, errorType: 'overloaded_error', message: 'Overloaded', headers: {} }));
    const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': client.apiKey! }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(res.status, 529);
    assert.deepEqual(await res.json(), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });
});
