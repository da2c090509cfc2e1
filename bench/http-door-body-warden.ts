/**
 * Child process for bench/http-door-body.ts: a Warden with one http-door route to the
 * backend on argv[3], from the build whose dist root is argv[2] (this tree's, or an older
 * commit's to compare). Prints `{"url","key"}` on stdout once it serves.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(process.argv[2]!);
const backend = process.argv[3]!;
const load = (p: string) => import(pathToFileURL(join(root, p)).href);
const { startWarden } = await load('src/app.js');
const { validateConfig } = await load('src/config/load.js');
const { createKey } = await load('src/identity/admin.js');
const { createLogger } = await load('src/telemetry/log.js');

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-body-'));
const config = validateConfig({
  bootstrap_key: false,
  server: { port: 0, host: '127.0.0.1', body_limit_bytes: 16 * 1024 * 1024 },
  admin: { port: 0 },
  store: { driver: 'sqlite', path: join(dir, 'warden.db') },
  audit: { dir: join(dir, 'audit') },
  logging: { level: 'silent' },
  routes: [{ id: 'up', uri: '/up/*', upstream: { nodes: { [backend]: 1 }, connections: 16 } }],
});
const warden = await startWarden({ config, log: createLogger('silent') });
const store = warden.gateway.store;
store.upsertConsumer({ name: 'bench', groups: [], labels: {}, models: [] });
const { key } = createKey(store, { consumer: 'bench', models: [], expiresAt: null });
process.stdout.write(JSON.stringify({ url: warden.url, key }) + '\n');
