/**
 * `identity.oidc` follows a config reload: an issuer added to the file is trusted without a
 * restart, one removed is no longer, and an unchanged list keeps its verified tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWarden } from '../src/app.js';
import { createLogger } from '../src/telemetry/log.js';
import { startTestIdp } from './support/oidc-idp.js';

const yaml = (dir: string, issuers: string[]) => `
server: { port: 0 }
admin: { port: 0 }
bootstrap_key: false
store: { driver: sqlite, path: ${dir}/w.db }
audit: { dir: ${dir}/audit }
identity:
  oidc: [${issuers.map((i) => `{ issuer: "${i}", audience: https://warden.test }`).join(', ')}]
`;

test('issuers added and removed by a reload', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-oidc-reload-'));
  const a = await startTestIdp();
  const b = await startTestIdp();
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, yaml(dir, [a.issuer]));
  const w = await startWarden({ configPath: file, log: createLogger('silent') });
  t.after(async () => {
    await w.close();
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (token: string) => {
    const res = await fetch(`${w.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.headers.get('x-warden-error-code') ?? String(res.status);
  };
  const fromA = await a.mintAccessToken('alice');
  const fromB = await b.mintAccessToken('bob');
  assert.equal(await call(fromA), '200');
  assert.equal(await call(fromB), 'WARDEN_E_TOKEN_ISSUER');

  writeFileSync(file, yaml(dir, [a.issuer, b.issuer]));
  assert.deepEqual(w.reload(), { ok: true });
  assert.equal(await call(fromB), '200');

  const verifier = w.gateway.identity.oidcVerifier;
  assert.deepEqual(w.reload(), { ok: true });
  assert.equal(w.gateway.identity.oidcVerifier, verifier, 'an unchanged list keeps its verifier and caches');

  writeFileSync(file, yaml(dir, [b.issuer]));
  assert.deepEqual(w.reload(), { ok: true });
  assert.equal(await call(fromA), 'WARDEN_E_TOKEN_ISSUER', 'a removed issuer is no longer trusted, cached tokens included');
});
