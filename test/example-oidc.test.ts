/**
 * examples/oidc is runnable and says what it does: its config, with the test IdP it names,
 * refuses alice's token for an opus model and serves bob's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ConfigInput } from '../src/config/schema.js';
import { startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { startTestWarden, type TestWarden } from './support/warden.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
let idp: TestIdp;
let w: TestWarden;
before(async () => {
  idp = await startTestIdp();
  // The example's fixed port becomes this run's free one; nothing else changes.
  const text = readFileSync(join(root, 'examples/oidc/warden.yaml'), 'utf8').replaceAll('http://127.0.0.1:9400', idp.issuer);
  const cfg = parse(text) as ConfigInput;
  w = await startTestWarden({ identity: cfg.identity, policy: cfg.policy, providers: cfg.providers, models: cfg.models });
});
after(async () => {
  await w?.close();
  await idp?.stop();
});

async function opus(token: string) {
  const res = await fetch(`${w.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model: 'claude-opus-4-1', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, text: await res.text() };
}

test('examples/oidc: alice (data-reader) is refused opus, bob (data-writer) is served', { timeout: 30_000 }, async () => {
  const alice = await opus(await idp.mintAccessToken('alice'));
  assert.equal(alice.status, 403);
  assert.match(alice.text, /opus models are for data writers/);
  const bob = await opus(await idp.mintAccessToken('bob'));
  assert.equal(bob.status, 200, bob.text);
});
