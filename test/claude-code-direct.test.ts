/**
 * The real-client harness, checked with no Warden in between: the test upstream answers
 * the real Claude Code binary directly. What these tests pin down is written up in
 * docs/testing.md ("What Claude Code does on the wire").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaude } from './support/claude.js';
import {
  assembleMessage, collectSse, errorReply, sequence, startUpstream, textReply, toolResults, toolUseReply, type Upstream,
} from './support/upstream.js';

const T = { timeout: 60_000 };

describe('test upstream (plain HTTP)', () => {
  let up: Upstream;
  before(async () => { up = await startUpstream(); });
  after(() => up.close());

  const post = (body: unknown) => fetch(`${up.url}/v1/messages?beta=true`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify(body),
  });
  const ask = { model: 'claude-test-1', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] };

  test('the same script streams the same bytes, in API order, and records both sides', async () => {
    up.reset();
    up.script(() => toolUseReply({ name: 'Bash', input: { command: 'ls -la /tmp' } }, { thinking: { thinking: 'hmm, a listing', signature: 'c2lnbmF0dXJl' } }));
    const first = await (await post({ ...ask, stream: true })).text();
    const second = await (await post({ ...ask, stream: true })).text();
    assert.equal(first, second);
    assert.equal(up.requests[0]!.response!.body.toString(), first);
    assert.equal(up.requests[0]!.url, '/v1/messages?beta=true');
    assert.equal(up.requests[0]!.headers['x-api-key'], 'k');
    const events = collectSse(first);
    assert.deepEqual(events.slice(0, 3).map((e) => e.event), ['message_start', 'content_block_start', 'ping']);
    assert.deepEqual(events.slice(-2).map((e) => e.event), ['message_delta', 'message_stop']);
    const fragments = events.filter((e) => e.data.delta?.type === 'input_json_delta' && e.data.delta.partial_json !== '');
    assert.ok(fragments.length > 1, 'tool input arrives in several fragments');
    const msg = assembleMessage(events);
    assert.equal(msg.model, 'claude-test-1');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content[0], { type: 'thinking', thinking: 'hmm, a listing', signature: 'c2lnbmF0dXJl' });
    assert.deepEqual(msg.content[1].input, { command: 'ls -la /tmp' });
    assert.ok(Number(msg.usage.output_tokens) > 0);
  });

  test('non-streamed requests get the JSON message; the default script echoes', async () => {
    up.reset();
    const res = await post(ask);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = await res.json();
    assert.equal(body.type, 'message');
    assert.deepEqual(body.content, [{ type: 'text', text: 'echo: hello' }]);
    assert.equal(body.stop_reason, 'end_turn');
  });

  test('stream faults: an error event, a destroyed socket, a stall', async () => {
    up.reset();
    up.script(sequence([
      textReply('abcdefghijklmnopqrstuvwxyz', { errorAfterEvents: { events: 4, type: 'overloaded_error', message: 'Overloaded' } }),
      textReply('abcdefghijklmnopqrstuvwxyz', { destroyAfterEvents: 3 }),
      textReply('abcdefghijklmnopqrstuvwxyz', { stallAfterEvents: 2 }),
    ]));
    const errored = collectSse(await (await post({ ...ask, stream: true })).text());
    assert.deepEqual(errored.map((e) => e.event), ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    assert.equal(errored[4]!.data.error.type, 'overloaded_error');
    await assert.rejects((await post({ ...ask, stream: true })).text());
    const stalled = await post({ ...ask, stream: true });
    const reader = stalled.body!.getReader();
    const firstChunk = await reader.read();
    assert.match(Buffer.from(firstChunk.value!).toString(), /^event: message_start/);
    await up.waitForMessageRequests(3);
    assert.equal(up.requests[2]!.response!.complete, false);
    void reader.cancel().catch(() => {});
  });

  test('the fixed endpoints answer', async () => {
    up.reset();
    assert.equal((await fetch(`${up.url}/api/hello`, { method: 'HEAD' })).status, 200);
    const models = await (await fetch(`${up.url}/v1/models?limit=1000`)).json();
    assert.ok(models.data.some((m: { id: string }) => m.id === 'claude-opus-5-5'));
    const count = await fetch(`${up.url}/v1/messages/count_tokens?beta=true`, { method: 'POST', body: JSON.stringify(ask) });
    assert.ok((await count.json()).input_tokens > 0);
    assert.equal(up.messageRequests().length, 0);
    assert.equal(up.requests.length, 3);
  });
});

describe('real Claude Code pointed directly at the test upstream', () => {
  let up: Upstream;
  let work: string;
  before(async () => { up = await startUpstream(); work = await mkdtemp(join(tmpdir(), 'warden-cc-direct-')); });
  after(async () => { await up.close(); await rm(work, { recursive: true, force: true }); });

  test('a prompt is answered with the scripted text', T, async () => {
    up.reset();
    up.script(() => textReply('the scripted answer, streamed in chunks'));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk_direct', prompt: 'say hi' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stdout, 'the scripted answer, streamed in chunks\n');
    assert.equal(up.requests.length, 1, 'only the one message request: no /api/hello, no count_tokens');
    const req = up.requests[0]!;
    assert.equal(req.url, '/v1/messages?beta=true');
    assert.equal(req.headers.authorization, 'Bearer vk_direct');
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
    assert.equal(req.headers['x-app'], 'cli');
    assert.match(String(req.headers['user-agent']), /^claude-cli\/2\.1\.328 /);
    assert.match(String(req.headers['x-claude-code-session-id']), /^[0-9a-f-]{36}$/);
    assert.equal(req.json.stream, true);
    assert.equal(req.json.model, 'claude-opus-5-5');
    assert.ok(req.json.tools.some((t: { name: string }) => t.name === 'Bash'));
  });

  test('an API key goes out as x-api-key; --model names the model sent', T, async () => {
    up.reset();
    const run = await runClaude({ baseUrl: up.url, apiKey: 'sk-direct', prompt: 'ping', model: 'claude-sonnet-4-5' });
    assert.equal(run.stdout, 'echo: ping\n');
    const req = up.messageRequests()[0]!;
    assert.equal(req.headers['x-api-key'], 'sk-direct');
    assert.equal(req.headers.authorization, undefined);
    assert.equal(req.json.model, 'claude-sonnet-4-5');
  });

  test('a Bash tool_use runs when allowed and its result comes back', T, async () => {
    up.reset();
    const marker = join(work, 'marker');
    up.script(sequence([toolUseReply({ name: 'Bash', input: { command: `touch ${marker}`, description: 'create marker' }, id: 'toolu_marker_1' })]));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'make the marker', cwd: work, allowedTools: ['Bash'] });
    assert.equal(run.stdout, 'done\n');
    assert.ok(existsSync(marker), 'the command ran');
    const [, second] = up.messageRequests();
    assert.deepEqual(toolResults(second!.json).map((r) => [r.tool_use_id, r.is_error]), [['toolu_marker_1', false]]);
  });

  test('without --allowedTools the same Bash call is refused and reported as an error result', T, async () => {
    up.reset();
    const marker = join(work, 'marker-refused');
    up.script(sequence([toolUseReply({ name: 'Bash', input: { command: `touch ${marker}` } })]));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'make the marker', cwd: work });
    assert.equal(run.stdout, 'done\n');
    assert.equal(existsSync(marker), false);
    const [result] = toolResults(up.messageRequests()[1]!.json);
    assert.equal(result!.is_error, true);
    assert.match(result!.text, /needs approval/);
  });

  test('a Read tool_use sends the file content back in a tool_result', T, async () => {
    up.reset();
    await writeFile(join(work, 'config.env'), 'DB_PASSWORD=hunter2-not-a-secret\n');
    up.script(sequence([toolUseReply({ name: 'Read', input: { file_path: join(work, 'config.env') } })]));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'read config', cwd: work });
    assert.equal(run.stdout, 'done\n');
    const [result] = toolResults(up.messageRequests()[1]!.json);
    assert.equal(result!.text, '1\tDB_PASSWORD=hunter2-not-a-secret\n2\t');
  });

  const errorCases = [
    { name: '401 with x-should-retry: false', reply: errorReply(401, 'authentication_error', 'key wk_1 is revoked', { 'x-should-retry': 'false' }), shown: 'Failed to authenticate. API Error: 401 key wk_1 is revoked', requests: 1 },
    { name: '403 permission_error', reply: errorReply(403, 'permission_error', 'policy rule no-prod denied'), shown: 'Failed to authenticate. API Error: 403 policy rule no-prod denied', requests: 1 },
    { name: '429 with x-should-retry: false', reply: errorReply(429, 'rate_limit_error', 'budget spent', { 'x-should-retry': 'false' }), shown: 'API Error: Request rejected (429) · budget spent', requests: 1 },
    // A 400 is re-sent with fewer betas / body fields (a beta fallback), even with x-should-retry: false.
    { name: '400 invalid_request_error', reply: errorReply(400, 'invalid_request_error', 'guard rejected the request', { 'x-should-retry': 'false' }), shown: 'API Error: 400 guard rejected the request', requests: 6 },
    { name: '502 with x-should-retry: false', reply: errorReply(502, 'api_error', 'upstream unreachable', { 'x-should-retry': 'false' }), shown: 'API Error: 502 upstream unreachable. This is a server-side issue', requests: 1 },
  ];
  for (const c of errorCases) {
    test(`${c.name} is shown at once`, T, async () => {
      up.reset();
      up.script(() => c.reply);
      const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'hi', timeoutMs: 30_000 });
      assert.equal(run.timedOut, false);
      assert.equal(run.code, 1);
      assert.ok(run.stdout.startsWith(c.shown), `stdout was: ${run.stdout}`);
      assert.equal(run.stderr, '');
      assert.equal(up.messageRequests().length, c.requests);
    });
  }

  test('an error event mid-stream makes it re-send the request unstreamed', T, async () => {
    up.reset();
    const cut = { errorAfterEvents: { events: 5, type: 'permission_error', message: 'tool_use blocked' } };
    up.script((req) => (req.json.stream ? toolUseReply({ name: 'Bash', input: { command: 'rm -rf /' } }, cut) : textReply('unstreamed answer')));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'hi' });
    assert.equal(run.stdout, 'unstreamed answer\n');
    assert.deepEqual(up.messageRequests().map((r) => r.json.stream), [true, false]);
    up.reset();
    up.script(() => toolUseReply({ name: 'Bash', input: { command: 'rm -rf /' } }, cut));
    const noFallback = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'hi', env: { CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK: '1' } });
    assert.equal(noFallback.code, 1);
    assert.equal(noFallback.stdout, 'API Error: tool_use blocked\n');
    assert.equal(up.messageRequests().length, 1);
  });

  test('settings.apiKeyHelper output is sent as both x-api-key and Bearer', T, async () => {
    up.reset();
    const run = await runClaude({ baseUrl: up.url, prompt: 'hi', settings: { apiKeyHelper: 'echo wk_from_helper' } });
    assert.equal(run.stdout, 'echo: hi\n');
    const req = up.messageRequests()[0]!;
    assert.equal(req.headers['x-api-key'], 'wk_from_helper');
    assert.equal(req.headers.authorization, 'Bearer wk_from_helper');
  });

  test('the harness timeout kills a run whose upstream stalls', T, async () => {
    up.reset();
    up.script(() => textReply('never finished', { stallAfterEvents: 3 }));
    const run = await runClaude({ baseUrl: up.url, authToken: 'vk', prompt: 'hi', timeoutMs: 10_000 });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGKILL');
    assert.equal(up.messageRequests().length, 1);
  });
});
