/**
 * Node 22 for the peers that need it (`@bytebase/dbhub` wants Node ≥ 22.5): the npm
 * registry's `node` package in the prefix `.ci/run` uses, installed with npm when missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NODE22_PREFIX = process.env.WARDEN_NODE22_PREFIX ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'warden', 'node22');

/** The path of a Node 22 binary (this process's own when it already is Node ≥ 22.5). */
export function node22(): string {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 22 || (major === 22 && minor >= 5)) return process.execPath;
  const bin = join(NODE22_PREFIX, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    execFileSync('npm', ['install', '--prefix', NODE22_PREFIX, '--no-audit', '--no-fund', '--no-save', `node@${process.env.WARDEN_NODE22_VERSION ?? '22'}`], { stdio: 'inherit', timeout: 300_000 });
  }
  return bin;
}
