/**
 * The response guard on the LLM door, through a real Warden with the official SDK: a
 * secret the model writes is redacted even when it arrives split across many deltas, every
 * SSE event stays well-formed, a refused tool call becomes a text block (streamed and not),
 * and an answer without anything to guard passes byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { collectSse, contentReply, rawReply, renderEvents, startUpstream, textReply, toolUseReply, type Reply, type Upstream } from './support/upstream.js';
import { renderMessage } from './support/sse.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';
import { leakedPieces, longSecrets } from './support/long-secrets.js';
import { guardsSchema } from '../src/guards/config.js';
import { ResponseGuardFactory } from '../src/guards/response/index.js';
import { releaseStep } from '../src/guards/response/text-holdback.js';

const GH_TOKEN = ['ghp_', 'R8kQ2mZx7LpV4nW9sT3yB6cD1fH5jK0aE2uY'].join('');
const GUARDS = { secrets: { action: 'redact' as const }, tool_use: {} };
/** The ordinary hold-back of this config: the longest bounded match of its detectors. */
const WINDOW = new ResponseGuardFactory(guardsSchema.parse(GUARDS)).forConsumer()!.maxMatchLength;
const STEP = releaseStep(WINDOW);
const TOOLS = [{ name: 'Bash', description: 'run', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }];

describe('the response guard on the LLM door', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let client: Anthropic;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: GUARDS,
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
  test('any 2xx answer is guarded, and a media type in any letter case is still a stream', async () => {
    const answer = `the token is ${GH_TOKEN}, keep it`;
    const ask = (stream: boolean) => fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': client.apiKey! }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'x' }] }) });
    upstream.reset();
    upstream.script(() => rawReply(203, { 'content-type': 'application/json' }, JSON.stringify(renderMessage(textReply(answer), 'claude-sonnet-4-5'))));
    const plain = await ask(false);
    assert.equal(plain.status, 203);
    const text = await plain.text();
    assert.ok(!text.includes(GH_TOKEN), 'a 203 answer passed unguarded');
    assert.match(text, /\[REDACTED:github-pat\]/);
    upstream.reset();
    upstream.script(() => textReply(answer, { chunkChars: 5, headers: { 'content-type': 'Text/Event-Stream; charset=utf-8' } }));
    const raw = await (await ask(true)).text();
    assert.ok(!raw.includes(GH_TOKEN), 'a stream with an upper-case media type passed unguarded');
    const events = collectSse(raw);
    assert.match(events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text ?? '').join(''), /\[REDACTED:github-pat\]/);
  });

  // Issue 8: a secret longer than the ordinary window must not leak its beginning.
  const SECRETS = longSecrets();
  const headers = () => ({ 'content-type': 'application/json', 'x-api-key': client.apiKey! });
  const body = (stream: boolean) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 4096, stream, messages: [{ role: 'user', content: 'the key?' }] });
  const textOf = (raw: string) => collectSse(raw).filter((e) => e.data?.delta?.type === 'text_delta').map((e) => e.data.delta.text as string).join('');

  /** The answer's text as the client sees it, streamed and not, for the scripted reply. */
  async function bothWays(reply: () => Reply): Promise<{ streamed: string; plain: string }> {
    upstream.reset();
    upstream.script(reply);
    const raw = await (await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: headers(), body: body(true) })).text();
    for (const e of collectSse(raw)) assert.equal(typeof e.data, 'object', `malformed event ${e.event}: ${e.raw}`);
    const msg = await (await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: headers(), body: body(false) })).json();
    const plain = (msg.content as { type: string; text?: string }[]).map((b) => b.text ?? '').join('');
    return { streamed: textOf(raw), plain };
  }

  test('long secrets (PEM, OpenSSH, PGP, JWT, GCP key file, kubeconfig) in deltas of 1, 7, 64, 1000 characters: nothing of them reaches the client', async () => {
    assert.ok(SECRETS.every((c) => c.secrets.at(-1)!.length > WINDOW / 4) && SECRETS.some((c) => c.secrets[0]!.length > 6 * WINDOW));
    const failed: string[] = [];
    for (const c of SECRETS) {
      for (const size of [1, 7, 64, 1000]) {
        const { streamed, plain } = await bothWays(() => textReply(c.text, { chunkChars: size }));
        for (const [how, out] of [['streamed', streamed], ['not streamed', plain]] as const) {
          const what = `${c.name}, ${size}-character deltas, ${how}`;
          const leaked = c.secrets.flatMap((x) => leakedPieces(out, x));
          if (leaked.length > 0) failed.push(`${what}: ${leaked.length} pieces leaked, first ${JSON.stringify(leaked[0])}`);
          if (!out.startsWith(c.before) || !out.endsWith(c.after)) failed.push(`${what}: the text around it did not arrive whole`);
          if (!/\[REDACTED:[\w-]+\]/.test(out)) failed.push(`${what}: no mask`);
        }
      }
    }
    assert.deepEqual(failed, []);
  });

  test('an answer cut off inside a private key (max_tokens), or a key split across two text blocks: nothing of it reaches the client', async () => {
    const pem = SECRETS[0]!.secrets[0]!;
    const head = 'Sure, here it is:\n\n';
    const cut = await bothWays(() => textReply(head + pem.slice(0, 1200), { chunkChars: 7 }));
    const split = await bothWays(() => contentReply([{ type: 'text', text: head + pem.slice(0, 900) }, { type: 'text', text: `${pem.slice(900)}\nDone.` }], 'end_turn', { chunkChars: 7 }));
    for (const [name, out] of Object.entries({ ...cut, splitStreamed: split.streamed, splitPlain: split.plain })) {
      assert.deepEqual(leakedPieces(out, pem), [], name);
      assert.ok(out.startsWith(head), name);
    }
    assert.ok(split.streamed.endsWith('\nDone.') && split.plain.endsWith('\nDone.'));
  });

  test('while the upstream stalls, ordinary text is out but for the window, and a key that has begun is held', async () => {
    const prose = 'Plain words about the deployment settings, nothing secret in them. '.repeat(60);
    const text = prose + SECRETS[0]!.text;
    const beginAt = text.indexOf('-----BEGIN');
    const endAt = text.indexOf('-----END');
    assert.ok(endAt - beginAt > WINDOW + 500);
    // In the prose; in the key, the window past its start; in the key, before its END line.
    for (const stopAt of [beginAt - 700, beginAt + 300, endAt - 100]) {
      const reply = textReply(text, { chunkChars: 10, pingBeforeStall: true });
      const events = renderEvents(reply, 'claude-sonnet-4-5');
      let sent = 0;
      let n = 0;
      while (sent < stopAt) sent += ((events[n++]!.data.delta as { text?: string } | undefined)?.text ?? '').length;
      reply.stream.stallAfterEvents = n;
      upstream.reset();
      upstream.script(() => reply);
      const ctl = new AbortController();
      const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: headers(), body: body(true), signal: ctl.signal });
      // The upstream's ping after the last delta comes out behind all text released for them.
      const reader = res.body!.getReader();
      let raw = '';
      const pings = () => collectSse(raw).filter((e) => e.event === 'ping').length;
      const deadline = setTimeout(() => ctl.abort(), 10_000);
      try {
        while (pings() < 2) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += Buffer.from(value).toString('utf8');
        }
      } catch (err) {
        assert.fail(`the marker ping never arrived (${String(err)})`);
      } finally {
        clearTimeout(deadline);
        ctl.abort();
      }
      // Everything but the last WINDOW characters (released in steps of STEP), and nothing
      // from the key's first character on.
      const got = textOf(raw);
      const what = `stalled at ${stopAt} of ${text.length}: ${got.length} characters out`;
      assert.equal(got, text.slice(0, got.length), what);
      assert.ok(got.length <= Math.min(sent - WINDOW, beginAt), what);
      assert.ok(got.length >= Math.min(sent - WINDOW - STEP + 1, beginAt), what);
    }
  });

  test('a long secret in a tool call’s input leaves only masked, streamed in any delta size and not', async () => {
    const pem = SECRETS[0]!.secrets[0]!;
    const jwt = SECRETS.find((c) => c.name === 'long JWT')!.secrets[0]!;
    const input = { file_path: '/tmp/notes.md', content: `key:\n${pem}\ntoken: ${jwt}\n` };
    for (const size of [1, 64, 1000]) {
      upstream.reset();
      upstream.script(() => contentReply([{ type: 'text', text: 'Writing it down.' }, { type: 'tool_use', id: 'toolu_w', name: 'Write', input }], 'tool_use', { chunkChars: size }));
      const params = { model: 'claude-sonnet-4-5', max_tokens: 100, tools: [{ name: 'Write', description: 'write', input_schema: { type: 'object' as const, properties: {} } }], messages: [{ role: 'user' as const, content: 'save it' }] };
      for (const m of [await client.messages.stream(params).finalMessage(), await client.messages.create(params)]) {
        const call = m.content.find((b) => b.type === 'tool_use') as { input: { file_path: string; content: string } } | undefined;
        assert.ok(call, `${size}: the allowed call is kept`);
        assert.equal(call.input.file_path, '/tmp/notes.md');
        // The JWT rule reads the JSON escape after the token (`\\n`) as part of it.
        assert.match(call.input.content, /^key:\n\[REDACTED:private-key\]\ntoken: \[REDACTED:jwt\]\n?$/);
        assert.deepEqual([...leakedPieces(JSON.stringify(m), pem), ...leakedPieces(JSON.stringify(m), jwt)], [], `${size}-character deltas`);
        assert.equal(m.stop_reason, 'tool_use');
      }
    }
  });
});
