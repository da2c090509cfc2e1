/**
 * PostgreSQL door end to end: `pgbench -S -c 8` straight to PostgreSQL, through PgBouncer
 * (session pooling, a temp ini on 127.0.0.1) and through Warden's door (statement policy and
 * masking on, as configured by default), for -M simple, extended and prepared, in one run,
 * the three targets interleaved per round so machine load hits them alike.
 * Run: npx tsx bench/pg-pgbench.ts [seconds=10] [rounds=2] [targets=direct,pgbouncer,warden]
 * Every target is reached with the same `sslmode` (default `disable`: PostgreSQL and PgBouncer
 * here serve no TLS, while Warden's loopback door offers a self-signed certificate, and libpq's
 * default `prefer` would then put only Warden's run on TLS); `sslmode=require` runs Warden over
 * TLS (the other two targets then run plain: they offer none).
 * Warden is the shipped build (`node bin/warden.js start`, dist/ built by `npm run build`) in
 * its own processes, as `warden start` runs by default (one worker per core) unless
 * `workers=N` (`workers=1`: one process, as PgBouncer runs by default). Not from the sources
 * under tsx: that is not what users run (tsx names every closure it creates with an
 * Object.defineProperty call, measured at 3 % of the door's CPU).
 * Also prints the door's CPU per transaction (the Warden processes' user+system CPU over each
 * Warden run ÷ its transactions): steadier under machine load than TPS.
 * Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres), pgbench, /usr/sbin/pgbouncer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './lib/proc.js';
import { createBenchKey } from './lib/warden-peer.js';

const seconds = Number(process.argv.find((a) => a.startsWith('seconds='))?.slice(8) ?? 10);
const rounds = Number(process.argv.find((a) => a.startsWith('rounds='))?.slice(7) ?? 2);
// One database per run: two runs at once (other sessions on the machine) must not drop each other's.
const DB = `warden_pgbench_${process.pid}`;
const modes = (process.argv.find((a) => a.startsWith('modes='))?.slice(6) ?? 'simple,extended,prepared').split(',');
const clients = process.argv.find((a) => a.startsWith('clients='))?.slice(8) ?? '8';
const masking = !process.argv.includes('masking=off');
const sslmode = process.argv.find((a) => a.startsWith('sslmode='))?.slice(8) ?? 'disable';
// rate=N: pgbench -R N (a fixed load, so the CPU per transaction of two builds compares under a busy machine).
const rate = process.argv.find((a) => a.startsWith('rate='))?.slice(5);
const warmup = Number(process.argv.find((a) => a.startsWith('warmup='))?.slice(7) ?? 0);
const workers = process.argv.find((a) => a.startsWith('workers='))?.slice(8);
const root = new URL('..', import.meta.url).pathname;
/** User and system CPU (µs; /proc, 10 ms ticks) of one thread, or of a whole process when `tid` is its pid's /proc/<pid>/stat. */
const cpuOf = (path: string): [number, number] => {
  const stat = readFileSync(path, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10_000, Number(f[12]) * 10_000];
};
/** Warden's processes: the one started, and its workers (its children) when it has them. */
const wardenPids = (pid: number): number[] => {
  const kids = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  return [pid, ...kids];
};
const wardenCpu = (pid: number) => {
  let user = 0, system = 0, main = 0;
  for (const p of wardenPids(pid)) {
    try {
      const [u, s] = cpuOf(`/proc/${p}/stat`);
      const [mu, ms] = cpuOf(`/proc/${p}/task/${p}/stat`);
      user += u;
      system += s;
      main += mu + ms;
    } catch {
      // a worker that ended between the listing and the read
    }
  }
  return { user, system, main };
};
const targets = (process.argv.find((a) => a.startsWith('targets='))?.slice(8) ?? 'direct,pgbouncer,warden').split(',');
const psql = (sql: string) => execFileSync('psql', ['-X', '-At', 'host=127.0.0.1 port=5432 user=postgres dbname=postgres', '-c', sql], { encoding: 'utf8' });

/** Asynchronous: this process reads the Warden processes' CPU meanwhile. */
async function pgbench(port: number, user: string, mode: string, password?: string, secs = seconds): Promise<{ tps: number; tx: number }> {
  const child = spawn('pgbench', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-S', '-c', clients, '-j', clients === '1' ? '1' : '2', '-T', String(secs), '-M', mode, '-n', ...(rate ? ['-R', rate] : []), DB], { env: { ...process.env, PGSSLMODE: password ? sslmode : sslmode === 'require' ? 'prefer' : sslmode, ...(password && { PGPASSWORD: password }) } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (out += b));
  const timer = setTimeout(() => child.kill(), (secs + 60) * 1000);
  await new Promise((r) => child.on('close', r));
  clearTimeout(timer);
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  const n = /number of transactions actually processed: (\d+)/.exec(out);
  if (!m || !n) throw new Error(`pgbench on port ${port} failed: ${out.slice(-500)}`);
  return { tps: Number(m[1]), tx: Number(n[1]) };
}

const dir = mkdtempSync(join(tmpdir(), 'warden-pgbench-'));
chmodSync(dir, 0o777);
psql(`DROP DATABASE IF EXISTS ${DB}`);
psql(`CREATE DATABASE ${DB}`);
execFileSync('pgbench', ['-h', '127.0.0.1', '-U', 'postgres', '-i', '-s', '1', '-q', DB], { stdio: 'ignore' });

const bouncerPort = await freePort();
writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
writeFileSync(
  join(dir, 'pgbouncer.ini'),
  `[databases]\n${DB} = host=127.0.0.1 port=5432 dbname=${DB}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${bouncerPort}\nauth_type = trust\nauth_file = ${join(dir, 'users.txt')}\npool_mode = session\nmax_client_conn = 100\ndefault_pool_size = 20\nunix_socket_dir =\nlogfile = ${join(dir, 'pgbouncer.log')}\n`,
);
// PgBouncer refuses to run as root; it then runs as the postgres account.
const asRoot = process.getuid?.() === 0;
const bouncer = spawn('/usr/sbin/pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1000));

if (!existsSync(join(root, 'dist/src/app.js'))) throw new Error('dist/ is not built: run `npm run build` first');
const wardenPort = await freePort();
const cfgFile = join(dir, 'warden.json');
writeFileSync(
  cfgFile,
  JSON.stringify({
    bootstrap_key: false,
    server: { port: await freePort() },
    admin: { enabled: false, port: 0 },
    store: { driver: 'sqlite', path: join(dir, 'warden.db') },
    audit: { dir: join(dir, 'audit') },
    logging: { level: 'error' },
    consumers: [{ name: 'bench', groups: ['data-reader'] }],
    postgres: { listen: { port: wardenPort }, upstream: { user: 'postgres' }, roles: [{ groups: ['data-reader'], user: 'postgres' }], masking: { enabled: masking } },
  }),
);
const key = await createBenchKey(root, cfgFile, 'bench');
const warden = spawn(process.execPath, [...(process.env.WARDEN_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'bin/warden.js'), '--config', cfgFile, 'start', ...(workers ? ['--workers', workers] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
await waitForPort(wardenPort, 30_000, warden);

const results: Record<string, Record<string, number[]>> = {};
try {
  // JIT warm-up, not measured.
  if (warmup && targets.includes('warden')) for (const mode of modes) await pgbench(wardenPort, 'bench', mode, key, warmup);
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const row = (results[mode] ??= { direct: [], pgbouncer: [], warden: [], cpu: [] });
      if (targets.includes('direct')) row.direct!.push((await pgbench(5432, 'postgres', mode)).tps);
      if (targets.includes('pgbouncer')) row.pgbouncer!.push((await pgbench(bouncerPort, 'postgres', mode)).tps);
      if (targets.includes('warden')) {
        const c0 = wardenCpu(warden.pid!);
        const r = await pgbench(wardenPort, 'bench', mode, key);
        const c1 = wardenCpu(warden.pid!);
        const [user, system, main] = [c1.user - c0.user, c1.system - c0.system, c1.main - c0.main];
        row.warden!.push(r.tps);
        row.cpu!.push((user + system) / r.tx);
        if (process.env.PG_BENCH_SPLIT) console.log(`${mode}: user ${(user / r.tx).toFixed(1)} µs, system ${(system / r.tx).toFixed(1)} µs per transaction, main thread ${(main / r.tx).toFixed(1)} µs, ${r.tx} transactions`);
      }
    }
  }
} finally {
  bouncer.kill();
  warden.kill('SIGTERM');
  await new Promise((r) => (warden.exitCode !== null ? r(null) : warden.once('exit', r)));
  psql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
}

const best = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
console.log(`pgbench -S -c 8 -j 2 -T ${seconds}, best of ${rounds} rounds, sslmode=${sslmode}, warden ${workers ? `--workers ${workers}` : `with its default workers (one per core: ${availableParallelism()})`}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| mode | PostgreSQL direct | PgBouncer | Warden | Warden / PgBouncer | Warden CPU µs / transaction (each round) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [mode, r] of Object.entries(results)) {
  const d = best(r.direct!), b = best(r.pgbouncer!), w = best(r.warden!);
  console.log(`| ${mode} | ${d.toFixed(0)} | ${b.toFixed(0)} | ${w.toFixed(0)} | ${(w / b).toFixed(2)} | ${r.cpu!.map((x) => x.toFixed(1)).join(', ')} |`);
}
