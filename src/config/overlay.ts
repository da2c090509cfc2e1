/**
 * The config overlay: routes and named policies written through the admin API and kept in
 * the store, layered over the config file. Effective config = file + overlay: an overlay
 * entry replaces the file's entry with the same id and adds the others. docs/admin-api.md
 * explains the rules (deleting a file-defined entry is refused, not tombstoned).
 */
import { z } from 'zod';
import { routeSchema, type RouteConfig } from '../doors/http/config.js';
import { namedPolicySchema, type NamedPolicyConfig } from '../policy/config.js';
import type { OverlayEntry, Store } from '../store/types.js';
import { ConfigError } from './load.js';
import type { Config } from './schema.js';

const POLICY_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DOORS = ['llm', 'http', 'mcp', 'postgres', 'hook', 'admin'] as const;

/** Where an overlay policy attaches, besides what the file's `policy.attach` says about the same name. */
export const overlayAttachSchema = z
  .strictObject({
    global: z.boolean().default(false).describe('Apply to every request.'),
    doors: z.array(z.enum(DOORS)).default([]),
    routes: z.array(z.string().min(1)).default([]).describe('Route or backend ids.'),
    consumers: z.array(z.string().min(1)).default([]).describe('Consumer names.'),
  })
  .prefault({});

export type OverlayAttach = z.output<typeof overlayAttachSchema>;

export interface OverlayPolicy {
  policy: NamedPolicyConfig;
  attach: OverlayAttach;
}

export interface Overlay {
  routes: Map<string, RouteConfig>;
  policies: Map<string, OverlayPolicy>;
}

const pathOf = (prefix: string, path: readonly PropertyKey[]) =>
  prefix + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

function issues(prefix: string, e: z.ZodError): string[] {
  return e.issues.map((i) => {
    const at = pathOf(prefix, i.path);
    return i.code === 'unrecognized_keys' ? `${at}: unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : `${at}: ${i.message}`;
  });
}

/** Parses a route item; problems are named as `routes[<id>]…`. Throws ConfigError. */
export function parseOverlayRoute(id: string, raw: unknown): RouteConfig {
  const prefix = `routes[${JSON.stringify(id)}]`;
  const r = routeSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(prefix, issues(prefix, r.error));
  if (r.data.id !== id) throw new ConfigError(prefix, [`${prefix}.id: "${r.data.id}" does not match the id in the path`]);
  return r.data;
}

/**
 * Parses a policy item: the fields of `policy.policies.<name>` plus an optional `attach`.
 * Problems are named as `policy.policies.<name>…`, the path the same item has in a file.
 */
export function parseOverlayPolicy(name: string, raw: unknown): OverlayPolicy {
  const prefix = `policy.policies.${name}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(prefix, [`${prefix}: must be an object`]);
  const { attach, name: bodyName, ...rest } = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (!POLICY_NAME.test(name)) problems.push(`${prefix}: a policy name has letters, digits, _ and - only, at most 64 characters`);
  if (bodyName !== undefined && bodyName !== name) problems.push(`${prefix}.name: "${String(bodyName)}" does not match the name in the path`);
  const p = namedPolicySchema.safeParse(rest);
  const a = overlayAttachSchema.safeParse(attach ?? {});
  if (!p.success) problems.push(...issues(prefix, p.error));
  if (!a.success) problems.push(...issues(`${prefix}.attach`, a.error));
  if (problems.length || !p.success || !a.success) throw new ConfigError(prefix, problems);
  return { policy: p.data, attach: a.data };
}

/** Parses stored entries; an entry that no longer validates is an error naming it (the store is not silently ignored). */
export function parseOverlay(entries: readonly OverlayEntry[]): Overlay {
  const out: Overlay = { routes: new Map(), policies: new Map() };
  const problems: string[] = [];
  for (const e of entries) {
    try {
      if (e.kind === 'route') out.routes.set(e.id, parseOverlayRoute(e.id, e.item));
      else out.policies.set(e.id, parseOverlayPolicy(e.id, e.item));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => `${p} (stored by the admin API; fix it with PUT, or remove it with \`warden config overlay drop ${e.kind} ${e.id}\`)`));
    }
  }
  if (problems.length) throw new ConfigError('the config overlay in the store', problems);
  return out;
}

const addOnce = (list: readonly string[] | undefined, name: string): string[] => (list?.includes(name) ? [...list] : [...(list ?? []), name]);

/** The file config with the overlay applied. Pure: the caller compiles the result (buildSnapshot) to check it. */
export function applyOverlay(file: Config, overlay: Overlay): Config {
  if (!overlay.routes.size && !overlay.policies.size) return file;
  const fileIds = new Set(file.routes.map((r) => r.id));
  const routes = [...file.routes.map((r) => overlay.routes.get(r.id) ?? r), ...[...overlay.routes.values()].filter((r) => !fileIds.has(r.id))];

  const policies = { ...file.policy.policies };
  const attach = {
    global: [...file.policy.attach.global],
    doors: { ...file.policy.attach.doors },
    routes: { ...file.policy.attach.routes },
    consumers: { ...file.policy.attach.consumers },
  };
  for (const [name, { policy, attach: a }] of overlay.policies) {
    policies[name] = policy;
    if (a.global) attach.global = addOnce(attach.global, name);
    for (const d of a.doors) attach.doors[d] = addOnce(attach.doors[d], name);
    for (const r of a.routes) attach.routes[r] = addOnce(attach.routes[r], name);
    for (const c of a.consumers) attach.consumers[c] = addOnce(attach.consumers[c], name);
  }
  return { ...file, routes, policy: { ...file.policy, policies, attach } };
}

/** The effective config: the file config plus the overlay kept in `store`. Throws ConfigError for a stored entry that does not validate. */
export function withOverlay(file: Config, store: Pick<Store, 'listOverlay'>): Config {
  return applyOverlay(file, parseOverlay(store.listOverlay()));
}

/** Where a policy is attached in an effective config (file `attach`, route `policies` and the overlay alike). */
export function attachmentsOf(config: Config, name: string): { global: boolean; doors: string[]; routes: string[]; consumers: string[] } {
  const a = config.policy.attach;
  const keys = (rec: Partial<Record<string, string[]>>) => Object.entries(rec).filter(([, l]) => l?.includes(name)).map(([k]) => k);
  const routes = new Set([...keys(a.routes), ...config.routes.filter((r) => r.policies.includes(name)).map((r) => r.id)]);
  return { global: a.global.includes(name), doors: keys(a.doors), routes: [...routes], consumers: keys(a.consumers) };
}
