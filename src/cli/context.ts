import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultConfig, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { WardenError } from '../core/errors.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The config file: --config, else $WARDEN_CONFIG, else ./warden.yaml when present, else the built-in default. */
export function findConfigPath(explicit: string | undefined): string | undefined {
  if (explicit) return resolve(explicit);
  if (process.env.WARDEN_CONFIG) return resolve(process.env.WARDEN_CONFIG);
  return existsSync('warden.yaml') ? resolve('warden.yaml') : undefined;
}

/**
 * Sections a command that manages keys, consumers, approvals, usage or the audit log reads:
 * only their `${env:…}` references are resolved, so such a command never needs a provider secret
 * (`admin` for the approver keys' hashes and OIDC roles `approvals approve|deny` checks,
 * `identity` for the issuers that verify an approver's OIDC token).
 */
export const STORE_SECTIONS = ['store', 'audit', 'consumers', 'admin', 'identity'] as const;

export function loadCliConfig(path: string | undefined, sections?: readonly string[]): { config: Config; baseDir: string } {
  if (!path) return { config: defaultConfig(), baseDir: process.cwd() };
  return { config: loadConfigFile(path, sections ? { resolve: sections } : {}), baseDir: dirname(path) };
}

/** Names the config in messages: the file, or the built-in default and the folder it is relative to. */
export function describeConfig(path: string | undefined): string {
  return path ?? `the built-in default (no warden.yaml in ${process.cwd()}, no --config, no $WARDEN_CONFIG)`;
}

export interface StoreContext {
  config: Config;
  baseDir: string;
  configPath: string | undefined;
  storePath: string;
}

export function storeContext(configPath: string | undefined): StoreContext {
  const { config, baseDir } = loadCliConfig(configPath, STORE_SECTIONS);
  return { config, baseDir, configPath, storePath: resolve(baseDir, config.store.path) };
}

/**
 * Opens the store a running Warden on this config uses. On the built-in default a missing
 * store means the wrong folder, and a fresh empty one would hide that: refused. With a config
 * file, a command that writes creates the store at its `store.path`, and says so.
 */
export function openExistingStore(ctx: StoreContext & Partial<CliIO>, opts: { create?: boolean } = {}): Store {
  if (!existsSync(ctx.storePath)) {
    if (!opts.create || !ctx.configPath) {
      throw new WardenError(
        'WARDEN_E_STORE_MISSING',
        `no store at ${ctx.storePath} (config: ${describeConfig(ctx.configPath)}). Run the command where \`warden start\` runs, pass --config FILE, or start Warden once here to create it`,
      );
    }
    ctx.err?.(`creating the store ${ctx.storePath} (store.path of ${ctx.configPath})\n`);
  }
  return openSqliteStore(ctx.storePath);
}
