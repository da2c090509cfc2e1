import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWarden } from '../src/app.js';
import { createKey } from '../src/identity/admin.js';
import { createLogger } from '../src/telemetry/log.js';
import { collectSse, startUpstream, textReply } from './support/upstream.js';

const yaml = (dir: string, upstream: string, models: string, timeout: number) => `
server: { port: 0 }
admin: { port: 0 }
bootstrap_key: false
store: { driver: sqlite, path: ${dir}/w.db }
audit: { dir: ${dir}/audit }
providers:
  anthropic: { type: anthropic, base_url: "${upstream}", api_key: sk-test, timeout_ms: ${timeout} }
models: [{ match: "claude-*", provider: anthropic }]
consumers:
  - { name: alice, models: [${models}] }
`;

test('a config change applies while a stream is in flight, and the stream completes; a bad config is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-reload-'));
  const upstream = await startUpstream();
  upstream.script((req) => textReply(req.json?.stream ? 'a slow streamed answer that keeps going for a while' : 'quick', { delayMs: req.json?.stream ? 60 : 0, chunkChars: 4 }));
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, yaml(dir, upstream.url, '"claude-*"', 30_000));
  const w = await startWarden({ configPath: file, log: createLogger('silent') });
  t.after(async () => {
    await w.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const key = createKey(w.gateway.store, { consumer: 'alice' }).key;
  const call = (model: string, stream: boolean) =>
    fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ model, max_tokens: 50, stream, messages: [{ role: 'user', content: 'go' }] }) });

  const inFlight = await call('claude-sonnet-4-5', true);
  assert.equal(inFlight.status, 200);
  const bodyPromise = inFlight.text();

  // Narrow alice's scope and change the provider (its connection pool is replaced) mid-stream.
  writeFileSync(file, yaml(dir, upstream.url, '"claude-haiku-*"', 20_000));
  const until = Date.now() + 5000;
  let narrowed = false;
  while (Date.now() < until && !narrowed) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await call('claude-sonnet-4-5', false);
    await r.text();
    narrowed = r.status === 403;
  }
  assert.ok(narrowed, 'the new scope applied without a restart');

  const events = collectSse(await bodyPromise);
  assert.equal(events.at(-1)?.event, 'message_stop', 'the in-flight stream completed');
  assert.ok(!events.some((e) => e.event === 'error'));

  writeFileSync(file, 'providers: { anthropic: { type: anthropic } }\nmodels: [{ match: "*", provider: nowhere }]\n');
  await new Promise((r) => setTimeout(r, 600));
  const res = w.reload();
  assert.equal(res.ok, false);
  assert.match(!res.ok ? res.error : '', /models\[0\]\.provider: "nowhere" is not defined/);
  const still = await call('claude-haiku-4-5', false);
  assert.equal(still.status, 200, 'the previous config keeps serving');
  assert.ok(w.gateway.metrics.configReloads.get(['refused']) >= 1);
});
