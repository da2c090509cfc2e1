import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { withOverlay } from '../config/overlay.js';
import { openSqliteStore } from '../store/sqlite.js';
import { loadCliConfig } from './context.js';
import type { PolicyCommandContext } from './policy.js';

/**
 * What `policy` commands see: the live state — the file plus the admin API overlay, with the
 * store's consumers — so an explanation matches what the running gateway decides.
 */
export function livePolicyConfig(configPath: string | undefined): PolicyCommandContext['config'] {
  const { config, baseDir } = loadCliConfig(configPath);
  const dbPath = resolve(baseDir, config.store.path);
  if (!existsSync(dbPath)) return config;
  const store = openSqliteStore(dbPath);
  try {
    const live = withOverlay(config, store);
    const stored = store.listConsumers().filter((c) => !live.consumers.some((f) => f.name === c.name));
    return { ...live, consumers: [...live.consumers, ...stored] };
  } finally {
    store.close();
  }
}
