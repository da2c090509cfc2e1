/**
 * Warden as a peer, in one configuration: a template from bench/configs/NAME.yaml with
 * {{PORT}}, {{ADMIN_PORT}}, {{UPSTREAM_URL}} and {{DIR}} filled in, a virtual key created
 * through the CLI (`# bench-key-args:` in the template adds arguments, e.g. --models), then
 * `warden start` pinned to the proxy CPU (`# bench-node-args:` adds node flags). Adding a
 * configuration = adding a file there.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import type { Peer, PeerEnv } from './peers.js';
import { freePort, runCommand, spawnPinned, stopChild, waitForPort } from './proc.js';

export interface WardenOptions {
  repoDir: string;
  /** Write a V8 CPU profile of this Warden process (node --cpu-prof) to this folder. */
  cpuProfileDir?: string;
  /** `warden start --workers N`, on every CPU (the peer is named warden-<config>-Nw). */
  workers?: number;
}

export function listWardenConfigs(benchDir: string): string[] {
  return readdirSync(join(benchDir, 'configs'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort((a, b) => (a === 'bare' ? -1 : b === 'bare' ? 1 : a.localeCompare(b)));
}

export function wardenEntry(repoDir: string): string {
  return join(repoDir, 'bin/warden.js');
}

/** A virtual key for `consumer`, created with `warden keys create` against the config file. */
export async function createBenchKey(repoDir: string, configFile: string, consumer: string, args: string[] = [], cwd?: string): Promise<string> {
  const out = await runCommand(process.execPath, [wardenEntry(repoDir), '--config', configFile, 'keys', 'create', '--consumer', consumer, ...args], cwd ? { cwd } : {});
  const key = out.trim().split('\n').pop()!.trim();
  if (!/^\S{16,}$/.test(key)) throw new Error(`warden keys create printed no key: ${out}`);
  return key;
}

export async function wardenPeer(env: PeerEnv, config: string, opts: WardenOptions): Promise<Peer> {
  const entry = wardenEntry(opts.repoDir);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const name = opts.workers ? `warden-${config}-${opts.workers}w` : `warden-${config}`;
  const dir = join(env.runDir, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const adminPort = await freePort();
  const template = readFileSync(join(env.benchDir, 'configs', `${config}.yaml`), 'utf8');
  const filled = template
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{ADMIN_PORT}}', String(adminPort))
    .replaceAll('{{UPSTREAM_URL}}', `http://127.0.0.1:${env.upstreamPort}`)
    .replaceAll('{{DIR}}', dir);
  const configFile = join(dir, 'warden.yaml');
  writeFileSync(configFile, filled);

  const keyArgs = /^#\s*bench-key-args:(.*)$/m.exec(template)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  const key = await createBenchKey(opts.repoDir, configFile, 'bench', keyArgs, dir);

  // `# bench-node-args: --max-semi-space-size=64` in a template: flags for Warden's node.
  const nodeFlags = /^#\s*bench-node-args:(.*)$/m.exec(template)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  const nodeArgs = [...nodeFlags, ...(opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir, '--cpu-prof-name', `warden-${config}.cpuprofile`] : [])];
  // Without --workers, `warden start` runs one worker per core: the one-process peer says 1.
  const workers = ['--workers', String(opts.workers ?? 1)];
  const cpus = opts.workers ? `0-${availableParallelism() - 1}` : env.proxyCpu;
  const p = spawnPinned(cpus, process.execPath, [...nodeArgs, entry, '--config', configFile, 'start', ...workers], join(dir, 'warden.log'), { cwd: dir });
  await waitForPort(port, 30_000, p.child);
  return {
    name,
    kind: 'warden',
    url: `http://127.0.0.1:${port}/v1/messages?beta=true`,
    headers: { authorization: `Bearer ${key}` },
    pid: p.pid,
    stop: () => stopChild(p.child, 15_000),
  };
}
