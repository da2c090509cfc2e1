/**
 * `warden config check|schema|export|overlay`. check compiles what a start would compile
 * (routes, policy, guards) without opening connections; export writes the file plus the
 * admin API's overlay and the store's consumers as YAML; overlay lists or drops what the
 * admin API stored, for a store a running Warden cannot start with.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderExport } from '../config/export.js';
import { renderConfigJsonSchema } from '../config/json-schema.js';
import { ConfigError, parseConfig } from '../config/load.js';
import { applyOverlay, parseOverlay, withOverlay } from '../config/overlay.js';
import type { Config } from '../config/schema.js';
import { checkSnapshotConfig } from '../runtime/snapshot.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { loadCliConfig, type CliIO } from './context.js';

const USAGE = `usage:
  warden config check                 validate and compile the config (and the admin API overlay in the store)
  warden config schema                print the JSON Schema of the config
  warden config export [--out FILE]   write the live state (file + admin API overlay + store consumers) as YAML
  warden config overlay list [--json] what the admin API added or replaced (routes, policies)
  warden config overlay drop route|policy ID [--force]
                                      remove one overlay entry (a running Warden applies it on reload or restart)
`;

/** The store of a config, only if its file exists: checking or exporting must not create one. */
function existingStore(config: Config, baseDir: string): Store | undefined {
  const path = resolve(baseDir, config.store.path);
  return existsSync(path) ? openSqliteStore(path) : undefined;
}

function summary(c: Config): string {
  return `${c.routes.length} route(s), ${Object.keys(c.policy.policies).length} named polic${Object.keys(c.policy.policies).length === 1 ? 'y' : 'ies'}`;
}

/** Runs `f`; a ConfigError it throws is re-thrown under `source` (the file, or the file with the overlay). */
function underSource<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(source, e.problems);
    throw e;
  }
}

function check(configPath: string | undefined, io: CliIO): number {
  const { config, baseDir } = loadCliConfig(configPath);
  const source = configPath ?? 'built-in default';
  const store = existingStore(config, baseDir);
  let overlayNote = '';
  try {
    const entries = store?.listOverlay() ?? [];
    const withOverlaySource = `${source} with the admin API overlay in ${resolve(baseDir, config.store.path)}`;
    const overlay = entries.length ? underSource(withOverlaySource, () => parseOverlay(entries)) : undefined;
    // A file attachment may name a route the admin API created: a start compiles them together.
    underSource(source, () => checkSnapshotConfig(config, overlay ? [...overlay.routes.keys()] : []));
    if (overlay) {
      const effective = underSource(withOverlaySource, () => {
        const next = applyOverlay(config, overlay);
        checkSnapshotConfig(next);
        return next;
      });
      overlayNote = `; with the admin API overlay (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}): ${summary(effective)}`;
    }
  } finally {
    store?.close();
  }
  io.out(`${source}: ok (${summary(config)}${overlayNote})\n`);
  return 0;
}

/** What would differ between the live state and the export read back; empty when they agree. */
function exportDrift(live: Config, back: Config): string[] {
  const out: string[] = [];
  if (JSON.stringify(back.routes) !== JSON.stringify(live.routes)) out.push('routes');
  if (JSON.stringify(back.policy) !== JSON.stringify(live.policy)) out.push('policy');
  return out;
}

function exportConfig(configPath: string | undefined, args: string[], io: CliIO): number {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  const { config, baseDir } = loadCliConfig(configPath);
  const source = configPath ?? 'the built-in default';
  const store = existingStore(config, baseDir);
  let text: string;
  let live: Config;
  try {
    live = store ? withOverlay(config, store) : config;
    checkSnapshotConfig(live);
    text = renderExport({
      fileText: configPath ? readFileSync(configPath, 'utf8') : undefined,
      source,
      overlay: store?.listOverlay() ?? [],
      consumers: (store?.listConsumers() ?? []).filter((c) => !config.consumers.some((f) => f.name === c.name)),
    });
  } finally {
    store?.close();
  }
  // Read the export back as a start would (references resolved from the config's folder):
  // it must give the same routes and policies, or it is not an export.
  const drift = exportDrift(live, parseConfig(text, values.out ?? '(export)', baseDir));
  if (drift.length) {
    throw new ConfigError('export', [
      `${drift.join(' and ')}: read back, the export differs from the live state (an admin API value containing \${env:…} or \${file:…} is stored literally but would be resolved from a file)`,
    ]);
  }
  if (values.out) {
    writeFileSync(values.out, text, { mode: 0o600 });
    io.err(`wrote ${values.out} (keys are not exported)\n`);
  } else io.out(text);
  return 0;
}

function overlay(configPath: string | undefined, args: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, force: { type: 'boolean' } } });
  const [sub, kind, id] = positionals;
  const { config, baseDir } = loadCliConfig(configPath);
  const store = existingStore(config, baseDir);
  try {
    const entries = store?.listOverlay() ?? [];
    if (sub === 'list') {
      if (values.json) io.out(`${JSON.stringify(entries, null, 2)}\n`);
      else if (!entries.length) io.out('the overlay is empty: routes and policies come from the config file only\n');
      else for (const e of entries) io.out(`${e.kind.padEnd(6)} ${e.id}  (updated ${new Date(e.updatedAt).toISOString()})\n`);
      return 0;
    }
    if (sub === 'drop' && (kind === 'route' || kind === 'policy') && id) {
      if (!store || !entries.some((e) => e.kind === kind && e.id === id)) {
        io.err(`error: no ${kind} "${id}" in the overlay\n`);
        return 1;
      }
      if (!values.force) {
        // The rest must still compile, or the next start would refuse the store instead.
        const rest = entries.filter((e) => !(e.kind === kind && e.id === id));
        checkSnapshotConfig(applyOverlay(config, parseOverlay(rest)));
      }
      store.deleteOverlay(kind, id);
      io.out(`dropped ${kind} "${id}" from the overlay; a running Warden applies it on its next reload (SIGHUP) or restart\n`);
      return 0;
    }
  } finally {
    store?.close();
  }
  io.err(USAGE);
  return 2;
}

export function configCommand(argv: string[], configPath: string | undefined, io: CliIO): number {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'schema':
        io.out(renderConfigJsonSchema());
        return 0;
      case 'check':
        return check(configPath, io);
      case 'export':
        return exportConfig(configPath, rest, io);
      case 'overlay':
        return overlay(configPath, rest, io);
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  io.err(USAGE);
  return 2;
}
