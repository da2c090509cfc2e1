/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance` 0.1.13, the 2025-11-25 server
 * scenarios) run against Warden's unprefixed endpoint `/mcp/conf`, in front of a fixture
 * server that implements the suite's tool, resource and prompt names. The suite sends no
 * credential, so a loopback proxy adds a Warden key and changes nothing else (Host and
 * Origin pass untouched: the DNS-rebinding scenario tests Warden, not the proxy).
 * Every scenario expected to fail is listed, with the reason, in
 * test/fixtures/mcp/conformance-expected-failures.yaml; the suite fails the run on a new
 * failure and on a listed scenario that now passes (a stale baseline).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startConformanceFixture, type ConformanceFixture } from './fixtures/mcp/conformance-server.js';
import { startAuthProxy, type AuthProxy } from './fixtures/mcp/auth-proxy.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const BASELINE = `${root}test/fixtures/mcp/conformance-expected-failures.yaml`;
const CONFORMANCE = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');

let fixture: ConformanceFixture;
let w: TestWarden;
let proxy: AuthProxy;
const out = mkdtempSync(join(tmpdir(), 'warden-conformance-'));

before(async () => {
  fixture = await startConformanceFixture();
  w = await startTestWarden({
    mcp: { servers: { conf: { transport: 'http', url: fixture.url } }, grants: [{ consumers: ['conformance'], tools: ['conf__*'], prompts: ['conf__*'], resources: ['conf__*'] }] },
  } as never);
  proxy = await startAuthProxy(w.url, 'authorization', `Bearer ${w.key('conformance').key}`);
});

after(async () => {
  await proxy?.close();
  await w?.close();
  await fixture?.close();
  rmSync(out, { recursive: true, force: true });
});

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CONFORMANCE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const t = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, output });
    });
  });
}

test('every entry of the expected-failures baseline says why it fails', () => {
  const text = readFileSync(BASELINE, 'utf8');
  const entries = [...text.matchAll(/^\s*-\s*([a-z0-9-]+)\s*$/gm)].map((m) => m[1]);
  assert.ok(entries.length > 0);
  for (const e of entries) {
    const at = text.indexOf(`- ${e}`);
    const before = text.slice(0, at).trimEnd().split('\n').pop() ?? '';
    assert.match(before, /^\s*#\s*\S.{20,}/, `the line above "${e}" is a comment explaining the failure`);
  }
});

test('the 2025-11-25 server scenarios pass through Warden but for the listed, explained ones', { timeout: 240_000 }, async () => {
  const r = await run(['server', '--url', `${proxy.url}/mcp/conf`, '--expected-failures', BASELINE, '-o', out], 220_000);
  assert.equal(r.code, 0, r.output.slice(-6000));
  assert.match(r.output, /Baseline check passed/);
  // The scenarios worth reading (MCP.md) must be among the passes, not the baseline.
  for (const s of ['server-initialize', 'ping', 'tools-list', 'tools-call-simple-text', 'tools-call-with-progress', 'tools-call-with-logging', 'resources-list', 'resources-read-text', 'prompts-get-with-args', 'dns-rebinding-protection']) {
    assert.match(r.output, new RegExp(`✓ ${s}: [1-9]\\d* passed, 0 failed`), `${s} passes\n${r.output.slice(-4000)}`);
  }
});

test('the pending scenarios: JSON Schema 2020-12 keywords of a tool survive Warden\'s tools/list', { timeout: 120_000 }, async () => {
  const r = await run(['server', '--url', `${proxy.url}/mcp/conf`, '--suite', 'pending', '-o', out], 100_000);
  assert.equal(r.code, 0, r.output.slice(-4000));
  assert.match(r.output, /✓ json-schema-2020-12: [1-9]\d* passed, 0 failed/);
});
