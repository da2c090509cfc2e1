/**
 * Create, read, update and delete for an item kind the config overlay holds (routes,
 * named policies). The same rules for both: the file defines some items, the overlay adds
 * or replaces items by id; a file-only item cannot be deleted here (409: the file is the
 * authority for what it declares — a tombstone would silently outlive edits to the file).
 */
import type { Config } from '../config/schema.js';
import { WardenError } from '../core/errors.js';
import type { OverlayKind, Store } from '../store/types.js';
import { badInput, writeOverlay, type ConfigControl, type OverlayChange } from './overlay-write.js';

export type Source = 'file' | 'overlay';

export interface OverlayResourceDef {
  kind: OverlayKind;
  /** Path segment: `routes`, `policies`. */
  plural: string;
  /** Field naming the item in a POST body: `id`, `name`. */
  idField: 'id' | 'name';
  /** The items a config declares, by id (effective or file config alike). */
  items(config: Config): Map<string, unknown>;
  /** The change that sets `id` to the raw item; parsing throws ConfigError naming each problem's path. */
  setter(id: string, raw: Record<string, unknown>): OverlayChange;
  /** The stored form of a body for `id`. */
  stored(id: string, body: Record<string, unknown>): Record<string, unknown>;
  /** How the API shows an item of the effective config. */
  view(config: Config, id: string, item: unknown): Record<string, unknown>;
}

export interface ResourceContext {
  store: Store;
  control: ConfigControl;
  /** The effective config now live. */
  live(): Config;
}

export interface Answer {
  status: number;
  body: unknown;
}

function overlayIds(store: Store, kind: OverlayKind): Set<string> {
  return new Set(store.listOverlay(kind).map((e) => e.id));
}

function describe(def: OverlayResourceDef, ctx: ResourceContext, config: Config, id: string, item: unknown, inOverlay: boolean): Record<string, unknown> {
  const inFile = def.items(ctx.control.file()).has(id);
  return { ...def.view(config, id, item), source: (inOverlay ? 'overlay' : 'file') satisfies Source, ...(inOverlay && inFile ? { shadows_file: true } : {}) };
}

function set(def: OverlayResourceDef, ctx: ResourceContext, id: string, body: Record<string, unknown>): Config {
  let change: OverlayChange;
  try {
    change = def.setter(id, def.stored(id, body));
  } catch (e) {
    throw badInput(e);
  }
  return writeOverlay(ctx.store, ctx.control, change, 'WARDEN_E_ADMIN_BAD_INPUT');
}

export function list(def: OverlayResourceDef, ctx: ResourceContext): Answer {
  const config = ctx.live();
  const mine = overlayIds(ctx.store, def.kind);
  return { status: 200, body: { [def.plural]: [...def.items(config)].map(([id, item]) => describe(def, ctx, config, id, item, mine.has(id))) } };
}

export function get(def: OverlayResourceDef, ctx: ResourceContext, id: string): Answer {
  const config = ctx.live();
  const item = def.items(config).get(id);
  if (item === undefined) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no ${def.kind} "${id}"`);
  return { status: 200, body: describe(def, ctx, config, id, item, overlayIds(ctx.store, def.kind).has(id)) };
}

export function create(def: OverlayResourceDef, ctx: ResourceContext, body: Record<string, unknown>): Answer {
  const id = body[def.idField];
  if (typeof id !== 'string' || !id) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `${def.idField}: required (a string)`);
  if (def.items(ctx.live()).has(id)) {
    throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `${def.kind} "${id}" already exists; PUT /admin/${def.plural}/${id} replaces it`);
  }
  const config = set(def, ctx, id, body);
  return { status: 201, body: describe(def, ctx, config, id, def.items(config).get(id), true) };
}

export function put(def: OverlayResourceDef, ctx: ResourceContext, id: string, body: Record<string, unknown>): Answer {
  const existed = def.items(ctx.live()).has(id);
  const config = set(def, ctx, id, body);
  return { status: existed ? 200 : 201, body: describe(def, ctx, config, id, def.items(config).get(id), true) };
}

export function remove(def: OverlayResourceDef, ctx: ResourceContext, id: string): Answer {
  const inOverlay = overlayIds(ctx.store, def.kind).has(id);
  const inFile = def.items(ctx.control.file()).has(id);
  if (!inOverlay) {
    if (inFile) {
      throw new WardenError(
        'WARDEN_E_ADMIN_CONFLICT',
        `${def.kind} "${id}" is defined in the config file; remove it there (the admin API deletes only what it created; PUT overrides a file entry)`,
      );
    }
    throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no ${def.kind} "${id}"`);
  }
  const config = writeOverlay(ctx.store, ctx.control, { kind: def.kind, id }, 'WARDEN_E_ADMIN_CONFLICT');
  const restored = def.items(config).get(id);
  return {
    status: 200,
    body: { deleted: id, ...(restored === undefined ? {} : { restored: describe(def, ctx, config, id, restored, false), note: `the config file's ${def.kind} "${id}" applies again` }) },
  };
}
