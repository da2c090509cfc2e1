/**
 * The real Claude Code binary with `--mcp-config` pointing at Warden's MCP endpoint `/mcp`
 * (and its LLM traffic through Warden too), driven by a local model server that asks for MCP
 * tools. Upstreams: server-everything and server-filesystem from npm over stdio.
 * The filesystem server may read the whole folder D; Warden's path validator only allows
 * D/public, so a refusal of D/private.txt (directly or as D/public/../private.txt) can only
 * come from Warden.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runClaude } from './support/claude.js';
import { startUpstream, textReply, toolUseReply, toolResults, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { EVERYTHING_ENTRY, FILESYSTEM_ENTRY } from './fixtures/mcp/everything.js';

// Built at run time so this file carries no literal key for scanners to trip on.
const AWS_KEY = ['AKIA', 'ZQ7LPMN5HFIQR7XB'].join('');
const PRIVATE_MARKER = 'PRIVATE-MARKER-5d1c';

describe('Claude Code through Warden\'s MCP door', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let dir: string;
  let mcpConfigFile: string;
  let key: string;

  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'warden-mcp-claude-')));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'notes.txt'), 'the notes say hello');
    writeFileSync(join(dir, 'public', 'aws.txt'), `region=eu-west-1\naws_access_key_id=${AWS_KEY}\n`);
    writeFileSync(join(dir, 'private.txt'), PRIVATE_MARKER);
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      mcp: {
        servers: {
          ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
          fs: { transport: 'stdio', command: process.execPath, args: [FILESYSTEM_ENTRY, dir] },
        },
        grants: [{ consumers: ['dev'], tools: ['ev__echo', 'fs__read_text_file'] }],
        validators: [{ tools: ['fs__read_text_file'], paths: { arguments: ['path'], roots: [join(dir, 'public')] } }],
      },
    } as never);
    key = w.key('dev').key;
    mcpConfigFile = join(dir, 'mcp.json');
    writeFileSync(mcpConfigFile, JSON.stringify({ mcpServers: { warden: { type: 'http', url: `${w.url}/mcp`, headers: { Authorization: `Bearer ${key}` } } } }));
  });

  after(async () => {
    await w?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One turn: the model asks for `tool` with `input`, then answers with what came back. */
  async function ask(tool: string, input: Record<string, unknown>) {
    upstream.reset();
    upstream.script((req) => (toolResults(req.json).length ? textReply(`The tool said: ${toolResults(req.json)[0]!.text}`) : toolUseReply({ name: tool, input })));
    const run = await runClaude({
      baseUrl: w.url,
      authToken: key,
      prompt: 'use the tool',
      cwd: dir,
      allowedTools: ['mcp__warden__ev__echo', 'mcp__warden__ev__get-env', 'mcp__warden__fs__read_text_file'],
      // Every MCP tool straight into the request's `tools` (not deferred behind ToolSearch), so the test sees the list.
      env: { ENABLE_TOOL_SEARCH: 'false' },
      extraArgs: ['--mcp-config', mcpConfigFile, '--strict-mcp-config'],
      timeoutMs: 90_000,
    });
    assert.equal(run.timedOut, false, run.stdout + run.stderr);
    const requests = upstream.messageRequests();
    const results = requests.flatMap((r) => toolResults(r.json));
    const seenByProvider = requests.map((r) => r.body.toString('utf8')).join('\n');
    const toolNames = new Set(requests.flatMap((r) => ((r.json?.tools ?? []) as { name: string }[]).map((t) => t.name)));
    return { run, results, seenByProvider, toolNames };
  }

  test('an allowed tool runs, and only granted tools are offered to the model', async () => {
    const { run, results, toolNames } = await ask('mcp__warden__ev__echo', { message: 'hello through warden' });
    assert.ok(toolNames.has('mcp__warden__ev__echo'), [...toolNames].join(','));
    assert.ok(toolNames.has('mcp__warden__fs__read_text_file'));
    assert.ok(!toolNames.has('mcp__warden__ev__get-env'), 'a tool without a grant is invisible');
    assert.ok(![...toolNames].some((n) => n.startsWith('mcp__warden__fs__') && n !== 'mcp__warden__fs__read_text_file'));
    assert.equal(results.length, 1, run.stdout + run.stderr);
    assert.equal(results[0]!.is_error, false);
    assert.match(results[0]!.text, /Echo: hello through warden/);
    assert.match(run.stdout, /hello through warden/);
  });

  test('a filtered tool is refused when the model asks for it anyway, and Warden refuses it to a client that calls it directly', async () => {
    const { results, seenByProvider } = await ask('mcp__warden__ev__get-env', {});
    assert.equal(results.length, 1);
    assert.equal(results[0]!.is_error, true);
    assert.match(results[0]!.text, /No such tool available/, 'Claude Code never learnt of the tool');
    assert.doesNotMatch(seenByProvider, /"PATH"/, 'the environment never came back');
    const client = new Client({ name: 'direct', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${w.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
    try {
      const r = await client.callTool({ name: 'ev__get-env', arguments: {} }).then(
        (x) => ({ isError: x.isError === true, text: JSON.stringify(x.content) }),
        (e: Error) => ({ isError: true, text: e.message }),
      );
      assert.equal(r.isError, true, 'hiding is not enforcing: the call is refused too');
      assert.doesNotMatch(r.text, /"PATH"/);
    } finally {
      await client.close();
    }
  });

  test('read_text_file outside the allowed root is refused by Warden, with the reason shown to the model', async () => {
    const { results, seenByProvider } = await ask('mcp__warden__fs__read_text_file', { path: join(dir, 'private.txt') });
    assert.equal(results.length, 1);
    assert.equal(results[0]!.is_error, true);
    assert.match(results[0]!.text, /outside the allowed roots/, 'Warden\'s reason, not the filesystem server\'s (which allows the file)');
    assert.ok(!seenByProvider.includes(PRIVATE_MARKER), 'the file the filesystem server could read never reached the model');
  });

  test('a ../ path that leaves the allowed root is refused by Warden', async () => {
    const { results, seenByProvider } = await ask('mcp__warden__fs__read_text_file', { path: `${join(dir, 'public')}/../private.txt` });
    assert.equal(results.length, 1);
    assert.equal(results[0]!.is_error, true);
    assert.match(results[0]!.text, /"\.\."|traversal|outside the allowed roots/);
    assert.ok(!seenByProvider.includes(PRIVATE_MARKER));
  });

  test('a file inside the root is read; a secret in the tool result never reaches the LLM provider', async () => {
    const inside = await ask('mcp__warden__fs__read_text_file', { path: join(dir, 'public', 'notes.txt') });
    assert.match(inside.results[0]?.text ?? '', /the notes say hello/);
    const { results, seenByProvider } = await ask('mcp__warden__fs__read_text_file', { path: join(dir, 'public', 'aws.txt') });
    assert.equal(results.length, 1);
    assert.match(results[0]!.text, /region=eu-west-1/, 'the rest of the file came through');
    assert.ok(!seenByProvider.includes(AWS_KEY), 'the AWS key never reached the provider');
    assert.match(results[0]!.text, /REDACTED/, 'redacted, not dropped');
  });
});
