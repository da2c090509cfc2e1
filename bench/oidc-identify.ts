/**
 * Identity per request: a virtual key against a cached OIDC access token, both through
 * `Identity.authenticate` (what every door calls), and the first sight of a token (one
 * signature verification, RS256 and ES256). Target: cached token within 5 µs of a key.
 * Tokens come from a real oidc-provider in this process (test/support/oidc-idp.ts).
 * Run: npx tsx bench/oidc-identify.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../src/identity/admin.js';
import { Identity } from '../src/identity/identity.js';
import { oidcIssuerSchema } from '../src/identity/oidc/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { startTestIdp } from '../test/support/oidc-idp.js';
import { measureMicro } from './lib/micro.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-oidc-'));
const idp = await startTestIdp({ accessTokenTtl: 3600 });
const store = openSqliteStore(join(dir, 'warden.db'));
try {
  store.upsertConsumer({ name: 'dev', groups: ['developers'], labels: { level: 'sandbox' }, models: [] });
  const key = createKey(store, { consumer: 'dev' }).key;
  const identity = new Identity(store, []);
  identity.setOidcIssuers([oidcIssuerSchema.parse({ issuer: idp.issuer, audience: 'https://warden.test', name_claim: 'preferred_username', label_rules: [{ group: 'data-reader', labels: { level: 'staging' } }] })]);
  const token = await idp.mintAccessToken('alice');
  const first = identity.authenticate(token);
  if (!(first instanceof Promise)) throw new Error('first sight should verify');
  if ((await first).consumer.name !== 'alice') throw new Error('wrong consumer');
  const keyWho = identity.authenticate(key);
  if (keyWho instanceof Promise || keyWho.consumer.name !== 'dev') throw new Error('key path must stay synchronous');

  let sink = 0;
  // Interleaved rounds, so the machine's noise weighs on both alike.
  const keyRuns: number[] = [];
  const tokenRuns: number[] = [];
  for (let round = 0; round < 3; round++) {
    keyRuns.push(measureMicro(`virtual key (round ${round + 1})`, () => {
      const w = identity.authenticate(key) as { consumer: { name: string } };
      sink += w.consumer.name.length;
    }).cpu);
    tokenRuns.push(measureMicro(`cached OIDC token (round ${round + 1})`, () => {
      const w = identity.authenticate(token) as { consumer: { name: string } };
      sink += w.consumer.name.length;
    }).cpu);
  }
  const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
  const delta = med(tokenRuns) - med(keyRuns);

  // First sight: every token new to the verifier (no cache), keys already fetched.
  for (const alg of ['RS256', 'ES256'] as const) {
    const n = 400;
    const fresh: string[] = [];
    for (let i = 0; i < n; i++) fresh.push(await idp.mintAccessToken(i % 2 ? 'alice' : 'bob', { alg }));
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const t of fresh) {
      const w = await identity.authenticate(t);
      sink += w.consumer.name.length;
    }
    const wall = Number(process.hrtime.bigint() - t0) / n / 1000;
    const c = process.cpuUsage(c0);
    console.log(`${`first sight, ${alg} (${n} new tokens)`.padEnd(42)} wall ${wall.toFixed(1)} µs  cpu ${((c.user + c.system) / n).toFixed(1)} µs per token`);
  }
  console.log(`cached token − key: ${delta.toFixed(2)} µs CPU (target ≤ 5 µs: ${delta <= 5 ? 'met' : 'NOT met'}; node ${process.version}, load ${loadavg()[0]!.toFixed(1)}, sink ${sink % 7})`);
} finally {
  store.close();
  await idp.stop();
  rmSync(dir, { recursive: true, force: true });
}
