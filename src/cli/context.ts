import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultConfig, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';

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

export function loadCliConfig(path: string | undefined): { config: Config; baseDir: string } {
  if (!path) return { config: defaultConfig(), baseDir: process.cwd() };
  return { config: loadConfigFile(path), baseDir: dirname(path) };
}
