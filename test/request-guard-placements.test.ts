/**
 * The request guard sees every text the provider reads: one row per place a secret can sit
 * in a Messages request, each sent through a real Warden to a real (local) upstream, which
 * must never receive the secret. Then the stated exceptions, and deep nesting.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type RecordedRequest, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';

// Built at run time so this file itself carries no literal key for scanners to trip on.
const SECRET = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');
const MASK = '[REDACTED:aws-access-token]';
const CARD = 4111111111111111;
const MODEL = 'claude-sonnet-4-5';

type Body = Record<string, unknown>;
const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const text = (t: string) => ({ type: 'text', text: t });
const toolResult = (content: unknown) => ({ type: 'tool_result', tool_use_id: 'toolu_1', content });
const withMessages = (...messages: unknown[]): Body => ({ model: MODEL, max_tokens: 64, messages });
const asked = (...blocks: unknown[]) => [user('go'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }]), user(blocks)];
const nestToolResults = (levels: number, inner: unknown): unknown => {
  let node = inner;
  for (let i = 0; i < levels; i++) node = toolResult([node]);
  return node;
};

interface Row {
  name: string;
  path?: string;
  body: Body;
  /** What the upstream must receive in place of the value (MASK by default). */
  replacement?: string;
  forbidden?: string;
}

const S = `key ${SECRET} here`;
const ROWS: Row[] = [
  { name: 'system as a string', body: { ...withMessages(user('hi')), system: S } },
  { name: 'system as text blocks', body: { ...withMessages(user('hi')), system: [text('you are helpful'), text(S)] } },
  { name: 'user content as a string', body: withMessages(user(S)) },
  { name: 'user text block', body: withMessages(user([text(S)])) },
  { name: 'assistant text block of the history', body: withMessages(user('hi'), assistant([text(S)]), user('and?')) },
  { name: 'citation of an assistant text block', body: withMessages(user('hi'), assistant([{ type: 'text', text: 'as cited', citations: [{ type: 'char_location', cited_text: S, document_index: 0, start_char_index: 0, end_char_index: 5 }] }]), user('ok')) },
  { name: 'tool_result content as a string', body: withMessages(...asked(toolResult(S))) },
  { name: 'tool_result content as text blocks', body: withMessages(...asked(toolResult([text('file:'), text(S)]))) },
  { name: 'document block, text source', body: withMessages(user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: S } }, text('summarise')])) },
  { name: 'document block, content source', body: withMessages(user([{ type: 'document', source: { type: 'content', content: [text(S)] } }, text('summarise')])) },
  { name: 'document title and context', body: withMessages(user([{ type: 'document', title: S, context: S, source: { type: 'text', media_type: 'text/plain', data: 'plain' } }])) },
  { name: 'document inside a tool_result', body: withMessages(...asked(toolResult([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: S } }]))) },
  { name: 'search_result block', body: withMessages(user([{ type: 'search_result', source: 'https://docs.example/a', title: 'a', content: [text(S)] }, text('use it')])) },
  { name: 'search_result source and title', body: withMessages(user([{ type: 'search_result', source: `https://docs.example/?k=${SECRET}`, title: S, content: [text('x')] }])) },
  { name: 'search_result inside a tool_result', body: withMessages(...asked(toolResult([{ type: 'search_result', source: 's', title: 't', content: [text(S)] }]))) },
  { name: 'tool_use.input of an assistant turn', body: withMessages(user('go'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: `export AWS_ACCESS_KEY_ID=${SECRET}`, env: [{ v: S }] } }]), user([toolResult('ok')])) },
  { name: 'a key of tool_use.input', body: withMessages(user('go'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'Write', input: { [SECRET]: 'value', other: 1 } }]), user([toolResult('ok')])) },
  { name: 'server_tool_use input', body: withMessages(user('go'), assistant([{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: S } }]), user('ok')) },
  { name: 'tools[].description', body: { ...withMessages(user('hi')), tools: [{ name: 'deploy', description: S, input_schema: { type: 'object' } }] } },
  { name: 'tools[].input_schema', body: { ...withMessages(user('hi')), tools: [{ name: 'deploy', input_schema: { type: 'object', properties: { token: { type: 'string', description: S, default: SECRET } } } }] } },
  { name: 'metadata', body: { ...withMessages(user('hi')), metadata: { user_id: S } } },
  { name: 'stop_sequences', body: { ...withMessages(user('hi')), stop_sequences: [S] } },
  { name: 'mcp_servers authorization_token', body: { ...withMessages(user('hi')), mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x', authorization_token: SECRET }] } },
  { name: 'a block type the guard has never heard of', body: withMessages(user([{ type: 'hologram_2030', payload: { caption: S } }])) },
  { name: 'a top-level field the guard has never heard of', body: { ...withMessages(user('hi')), future_context: [{ note: S }] } },
  { name: 'image block with a URL source', body: withMessages(user([{ type: 'image', source: { type: 'url', url: `https://img.example/?k=${SECRET}` } }])) },
  { name: 'thinking look-alike inside tool_use.input', body: withMessages(user('go'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'X', input: { type: 'thinking', thinking: S, signature: 'sig' } }]), user([toolResult('ok')])) },
  { name: 'base64 look-alike inside tool_use.input', body: withMessages(user('go'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'X', input: { type: 'image', source: { type: 'base64', media_type: 'image/png', data: SECRET } } }]), user([toolResult('ok')])) },
  { name: 'thinking block in a user turn (no provider signature there)', body: withMessages(user([{ type: 'thinking', thinking: S, signature: 'forged' }, text('hi')])) },
  { name: 'tool_result nested 50 deep', body: withMessages(...asked(nestToolResults(50, text(S)))) },
  { name: 'card number as a JSON number (PII)', body: { ...withMessages(user('hi')), metadata: { card: CARD } }, replacement: '[REDACTED:card]', forbidden: String(CARD) },
  { name: 'count_tokens: tool_result', path: '/v1/messages/count_tokens', body: withMessages(...asked(toolResult(S))) },
  { name: 'count_tokens under /anthropic: system', path: '/anthropic/v1/messages/count_tokens', body: { ...withMessages(user('hi')), system: S } },
  { name: 'messages under /anthropic: document', path: '/anthropic/v1/messages', body: withMessages(user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: S } }])) },
];

describe('request guard: every place a secret can sit in a request', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: { secrets: { action: 'redact' }, pii: { action: 'redact', kinds: ['card'] } },
    });
    key = w.key('dev').key;
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  async function send(path: string, body: string | Body): Promise<{ status: number; text: string; seen: RecordedRequest | undefined }> {
    upstream.reset();
    const res = await fetch(`${w.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const answer = await res.text();
    const upstreamPath = path.replace(/^\/anthropic/, '');
    return { status: res.status, text: answer, seen: upstream.requests.find((r) => r.path === upstreamPath) };
  }

  for (const row of ROWS) {
    test(row.name, async () => {
      const { status, text: answer, seen } = await send(row.path ?? '/v1/messages', row.body);
      assert.equal(status, 200, answer);
      assert.ok(seen, 'the request reached the upstream');
      const received = seen.body.toString('utf8');
      assert.ok(!received.includes(row.forbidden ?? SECRET), 'the secret reached the upstream');
      assert.ok(received.includes(JSON.stringify(row.replacement ?? MASK).slice(1, -1)), 'redacted in place, not dropped');
      assert.ok(!answer.includes(row.forbidden ?? SECRET));
    });
  }

  test('exceptions: thinking blocks of assistant turns and base64 file data stay byte-exact; the rest is still redacted', async () => {
    const thinking = { type: 'thinking', thinking: `I saw ${SECRET} earlier`, signature: 'EqQBCkYIBxgCKkBsig==' };
    const redacted = { type: 'redacted_thinking', data: `Eo8B${SECRET}` };
    const png = `iVBORw0KGgo${SECRET}AAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk`;
    const body = withMessages(
      user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, text(S)]),
      assistant([thinking, redacted, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }]),
      user([toolResult([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, text(S)])]),
    );
    const { status, seen } = await send('/v1/messages', body);
    assert.equal(status, 200);
    const json = seen!.json;
    assert.deepEqual(json.messages[1].content[0], thinking);
    assert.deepEqual(json.messages[1].content[1], redacted);
    assert.equal(json.messages[0].content[0].source.data, png);
    assert.equal(json.messages[2].content[0].content[0].source.data, png);
    assert.equal(json.messages[0].content[1].text, `key ${MASK} here`);
    assert.equal(json.messages[2].content[0].content[1].text, `key ${MASK} here`);
  });

  test('nothing found: the upstream receives the very bytes the client sent', async () => {
    const raw = `{ "model" : "${MODEL}", "max_tokens":64,\n "messages": [{"role":"user","content":[{"type":"text","text":"caf\\u00e9 \\/ ok"}]}], "metadata": {"n": 1.50} }`;
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const { status, seen } = await send(path, raw);
      assert.equal(status, 200);
      assert.equal(seen!.body.toString('utf8'), raw, path);
    }
  });

  describe('deep nesting: never a 500, never the secret', () => {
    const deep: { name: string; path?: string; body: () => string }[] = [
      { name: '3,000 nested tool_result blocks with a secret inside', body: () => nestedRaw(3_000, JSON.stringify(text(S))) },
      { name: '100,000 nested tool_result blocks', body: () => nestedRaw(100_000, JSON.stringify(text('plain'))) },
      { name: '100,000 nested tool_result blocks with a secret inside', body: () => nestedRaw(100_000, JSON.stringify(text(S))) },
      { name: '100,000 nested arrays in tool_use.input with a secret inside', body: () => deepInput(100_000) },
      { name: 'count_tokens: 3,000 nested tool_result blocks with a secret inside', path: '/v1/messages/count_tokens', body: () => nestedRaw(3_000, JSON.stringify(text(S))) },
    ];
    for (const row of deep) {
      test(row.name, async () => {
        const { status, text: answer, seen } = await send(row.path ?? '/v1/messages', row.body());
        assert.notEqual(status, 500, answer);
        // Refused as too deep (400) or forwarded redacted: either way, the secret stays.
        assert.ok(status === 200 || status === 400, `${status} ${answer.slice(0, 200)}`);
        if (seen) assert.ok(!seen.body.toString('utf8').includes(SECRET), 'the secret reached the upstream');
        assert.ok(!answer.includes(SECRET));
      });
    }
  });
});

/** A request whose last user turn is `levels` tool_result blocks nested in one another around `inner`. */
function nestedRaw(levels: number, inner: string): string {
  const open = `{"type":"tool_result","tool_use_id":"toolu_1","content":[`;
  const turn = open.repeat(levels) + inner + ']}'.repeat(levels);
  return `{"model":"${MODEL}","max_tokens":64,"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":{}}]},{"role":"user","content":[${turn}]}]}`;
}

function deepInput(levels: number): string {
  const input = '['.repeat(levels) + JSON.stringify(S) + ']'.repeat(levels);
  return `{"model":"${MODEL}","max_tokens":64,"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"a":${input}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}`;
}
