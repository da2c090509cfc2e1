/**
 * `warden hook pre-tool-use` as Claude Code pays for it: the whole process — node start-up,
 * the lean entry, reading the login store, one POST to a local Warden, the printed decision —
 * timed from spawn to exit, RUNS times one after another (bounded), with the baseline of a bare
 * `node -e 0` beside it. Warden runs in a separate process, as it would on a laptop or server.
 * The fast hook (bin/warden-hook.sh: sh and curl, no node start) is timed the same way.
 * Run after `npm run build`: npx tsx bench/hook-latency.ts [runs=300]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Math.min(Number(process.argv.find((a) => a.startsWith('runs='))?.slice(5) ?? 300), 2000);
const bin = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
const fastHook = fileURLToPath(new URL('../bin/warden-hook.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-hook-bench-'));

function timed(args: string[], input: string, env: NodeJS.ProcessEnv, cmd = process.execPath): Promise<{ ms: number; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, out }));
    c.stdin.on('error', () => undefined);
    c.stdin.end(input);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const config = join(dir, 'warden.yaml');
writeFileSync(config, `server: { port: 0 }\nadmin: { enabled: false }\nstore: { driver: sqlite, path: ${join(dir, "warden.db")} }\naudit: { dir: ${join(dir, 'audit')} }\nguards: { tool_use: {} }\nconsumers: [{ name: dev }]\nlogging: { level: error }\nbootstrap_key: false\n`);
const env = { ...process.env, WARDEN_LOGIN_DIR: join(dir, 'login') };
const run = (args: string[]) => new Promise<string>((res, rej) => { const c = spawn(process.execPath, [bin, '--config', config, ...args], { env }); let o = ''; c.stdout.on('data', (d) => (o += d)); c.stderr.on('data', (d) => (o += d)); c.on('close', (code) => (code === 0 ? res(o) : rej(new Error(o)))); });
const key = /wdn_[A-Za-z0-9]+/.exec(await run(['keys', 'create', '--consumer', 'dev']))![0];
await run(['login', '--key', key]);
const server = spawn(process.execPath, [bin, '--config', config, 'start', '--workers', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
const url = await new Promise<string>((resolve, reject) => {
  let o = '';
  const t = setTimeout(() => reject(new Error(`warden did not start: ${o}`)), 30_000);
  const on = (d: Buffer) => { o += d; const m = /http:\/\/127\.0\.0\.1:\d+/.exec(o); if (m) { clearTimeout(t); resolve(m[0]); } };
  server.stdout.on('data', on);
  server.stderr.on('data', on);
});
try {
  const input = JSON.stringify({ session_id: 's', cwd: '/tmp', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf ./build' }, tool_use_id: 't' });
  const first = await timed([bin, 'hook', 'pre-tool-use', '--url', url], input, env);
  if (first.code !== 0 || !first.out.includes('"deny"')) throw new Error(`the hook did not decide: ${first.code} ${first.out}`);
  const shArgs = [fastHook, url, '--', process.execPath, bin];
  const firstSh = await timed(shArgs, input, env, '/bin/sh');
  if (firstSh.code !== 0 || firstSh.out !== first.out) throw new Error(`the sh hook did not decide as the node hook: ${firstSh.code} ${firstSh.out}`);
  const sh: number[] = [];
  const hook: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    hook.push((await timed([bin, 'hook', 'pre-tool-use', '--url', url], input, env)).ms);
    bare.push((await timed(['-e', '0'], '', env)).ms);
    sh.push((await timed(shArgs, input, env, '/bin/sh')).ms);
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${RUNS} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${pct(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
  console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| process | runs | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|');
  console.log(row('warden hook pre-tool-use (deny, via a local Warden)', hook));
  console.log(row('bin/warden-hook.sh (sh + curl, deny, via a local Warden)', sh));
  console.log(row('node -e 0 (start-up alone)', bare));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('close', r));
  rmSync(dir, { recursive: true, force: true });
}
