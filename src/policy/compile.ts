/**
 * Turns the `policy` config section into lookup structures once per config version:
 * ACL sets, compiled CEL closures, permission matchers and OPA pools, grouped by the scope
 * they attach to. Every problem is reported with its config path.
 */
import { ConfigError } from '../config/load.js';
import { compileAcl, type CompiledAcl } from './acl.js';
import type { NamedPolicyConfig, PolicyConfig } from './config.js';
import type { DecisionDocument } from './document.js';
import { OpaSource } from './opa/client.js';
import { compilePermissionSource, type CompiledPermissionSource } from './permission-source.js';
import { compileRules, rulesReadBody, type CompiledRule } from './rules.js';

export type ScopeName = 'global' | 'door' | 'route' | 'consumer';
export type Door = DecisionDocument['door'];

export interface CompiledNamedPolicy {
  readonly name: string;
  readonly default: 'allow' | 'deny' | undefined;
  readonly acl: CompiledAcl | null;
  readonly rules: readonly CompiledRule[];
  readonly permissions: CompiledPermissionSource | null;
  readonly opa: OpaSource | null;
}

/** A source item together with where it came from (for explain). */
export interface Placed<T> {
  readonly scope: ScopeName;
  readonly policy: string;
  readonly item: T;
}

/** The policies that apply to one (door, route, consumer), flattened per source in scope order. */
export interface ResolvedPolicies {
  readonly policies: readonly Placed<CompiledNamedPolicy>[];
  readonly acls: readonly Placed<CompiledAcl>[];
  readonly rules: readonly Placed<CompiledRule>[];
  readonly permissions: readonly Placed<CompiledPermissionSource>[];
  readonly opas: readonly Placed<OpaSource>[];
  /** Some rule reads `time`: the activation then carries it as a timestamp. */
  readonly readsTime: boolean;
  readonly default: 'allow' | 'deny';
  /** Id of the default's origin: `default:global.allow`, `default:prod-db.deny`. */
  readonly defaultRule: string;
}

export interface CompiledPolicy {
  readonly default: 'allow' | 'deny';
  /** True when some rule or OPA source reads the request body: only then must doors fill `request.body`. */
  readonly needsBody: boolean;
  /** True when some rule reads `request` or `connection`, or OPA is used: only then must the LLM door build those sections. */
  readonly readsRequest: boolean;
  /**
   * False when no policy holds an ACL, a rule, permission rules or OPA: the engine can then
   * only answer its default, which says nothing about a single tool call (judge.ts), so a
   * door need not hold an answer's tool calls for it.
   */
  readonly judgesTools: boolean;
  readonly approvals: { readonly pendingTtlMs: number; readonly grantTtlMs: number; readonly reviewUrl?: string };
  readonly named: ReadonlyMap<string, CompiledNamedPolicy>;
  readonly global: readonly CompiledNamedPolicy[];
  readonly doors: ReadonlyMap<string, readonly CompiledNamedPolicy[]>;
  readonly routes: ReadonlyMap<string, readonly CompiledNamedPolicy[]>;
  readonly consumers: ReadonlyMap<string, readonly CompiledNamedPolicy[]>;
  /** Resolved sets by scope key; bounded. */
  readonly cache: Map<string, ResolvedPolicies>;
  /** Closes OPA connection pools; call when a reload retires this version. */
  close(): Promise<void>;
}

export const GLOBAL_POLICY = 'global';

/**
 * What `route.id` can be at run time, contributed by each door (src/doors/registry.ts): an
 * http route's id (`routes[].id`), at the LLM door the name of the provider serving the
 * model (`providers`), … An attachment under `policy.attach.routes` to anything else would
 * never apply. Consumers have no such list: they may exist only in the store, so consumer
 * attachments are not checked.
 */
export interface RouteNamespace {
  readonly kinds: readonly { readonly noun: string; readonly path: string; readonly ids: readonly string[] }[];
}

/** "a", "a or b", "a, b or c". */
function either(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? 'route') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function routeAttachProblems(ids: readonly string[], ns: RouteNamespace, at: string): string[] {
  const known = new Set(ns.kinds.flatMap((k) => k.ids));
  const list = (xs: readonly string[]) => xs.join(', ') || 'none';
  const where = ns.kinds.map((k) => `${k.path}: ${list(k.ids)}`).join('; ');
  return ids.filter((id) => !known.has(id)).map((id) => `${at}.${id}: no ${either(ns.kinds.map((k) => k.noun))} named "${id}" (${where})`);
}

function compileNamed(name: string, p: NamedPolicyConfig, path: string, problems: string[]): Omit<CompiledNamedPolicy, 'opa'> {
  return {
    name,
    default: p.default,
    acl: p.acl ? compileAcl(p.acl, name) : null,
    rules: compileRules(p.rules, name, `${path}.rules`, problems),
    permissions: p.permissions ? compilePermissionSource(p.permissions, name, `${path}.permissions`, problems) : null,
  };
}

/**
 * Compiles the `policy` section (already parsed by `policySchema`); throws ConfigError listing
 * every problem. With `routes`, route attachments must name a route or provider.
 */
export function compilePolicy(cfg: PolicyConfig, path = 'policy', routes?: RouteNamespace): CompiledPolicy {
  const problems: string[] = [];
  const pending = new Map<string, [Omit<CompiledNamedPolicy, 'opa'>, NamedPolicyConfig]>();
  pending.set(GLOBAL_POLICY, [compileNamed(GLOBAL_POLICY, cfg, path, problems), cfg]);
  for (const [name, p] of Object.entries(cfg.policies)) {
    if (name === GLOBAL_POLICY) {
      problems.push(`${path}.policies.${name}: "global" is the name of the top-level policy; choose another name`);
      continue;
    }
    pending.set(name, [compileNamed(name, p, `${path}.policies.${name}`, problems), p]);
  }

  const refer = (names: readonly string[], at: string): string[] => {
    names.forEach((n, i) => {
      if (!pending.has(n) || n === GLOBAL_POLICY) problems.push(`${at}[${i}]: no policy named "${n}" under ${path}.policies (have: ${[...pending.keys()].filter((k) => k !== GLOBAL_POLICY).join(', ') || 'none'})`);
    });
    return names.filter((n) => pending.has(n) && n !== GLOBAL_POLICY);
  };
  const attach = cfg.attach;
  const globalNames = [GLOBAL_POLICY, ...refer(attach.global, `${path}.attach.global`)];
  const byScope = (rec: Partial<Record<string, string[]>>, at: string) =>
    new Map(Object.entries(rec).map(([k, names]) => [k, refer(names ?? [], `${at}.${k}`)] as const));
  const doorNames = byScope(attach.doors, `${path}.attach.doors`);
  const routeNames = byScope(attach.routes, `${path}.attach.routes`);
  const consumerNames = byScope(attach.consumers, `${path}.attach.consumers`);
  if (routes) problems.push(...routeAttachProblems(Object.keys(attach.routes), routes, `${path}.attach.routes`));
  if (problems.length) throw new ConfigError(path, problems);

  // Only now open OPA pools: a config that fails to compile must not leave sockets behind.
  const named = new Map<string, CompiledNamedPolicy>();
  for (const [name, [c, raw]] of pending) named.set(name, { ...c, opa: raw.opa ? new OpaSource(raw.opa, name) : null });
  const pick = (names: readonly string[]) => names.map((n) => named.get(n)!);
  const pickMap = (m: Map<string, string[]>) => new Map([...m].map(([k, names]) => [k, pick(names)] as const));

  const all = [...named.values()];
  return {
    default: cfg.default,
    needsBody: all.some((p) => rulesReadBody(p.rules) || p.opa?.withBody === true),
    readsRequest: all.some((p) => p.opa !== null || p.rules.some((r) => r.sections.includes('request') || r.sections.includes('connection'))),
    judgesTools: all.some((p) => p.acl !== null || p.rules.length > 0 || p.permissions !== null || p.opa !== null),
    approvals: { pendingTtlMs: cfg.approvals.pending_ttl_ms, grantTtlMs: cfg.approvals.grant_ttl_ms, ...(cfg.approvals.review_url ? { reviewUrl: cfg.approvals.review_url } : {}) },
    named,
    global: pick(globalNames),
    doors: pickMap(doorNames),
    routes: pickMap(routeNames),
    consumers: pickMap(consumerNames),
    cache: new Map(),
    close: async () => {
      await Promise.all(all.map((p) => p.opa?.close()));
    },
  };
}

const NONE: readonly CompiledNamedPolicy[] = [];

/** The policies for one request, in scope order global → door → route → consumer, each once. */
export function resolvePolicies(p: CompiledPolicy, door: Door, route: string | undefined, consumer: string | undefined): ResolvedPolicies {
  const key = `${door}\u0000${p.routes.size && route ? route : ''}\u0000${p.consumers.size && consumer ? consumer : ''}`;
  let r = p.cache.get(key);
  if (r) return r;
  const placed: Placed<CompiledNamedPolicy>[] = [];
  const seen = new Set<string>();
  const add = (scope: ScopeName, list: readonly CompiledNamedPolicy[]) => {
    for (const item of list) if (!seen.has(item.name)) (seen.add(item.name), placed.push({ scope, policy: item.name, item }));
  };
  add('global', p.global);
  add('door', p.doors.get(door) ?? NONE);
  if (route !== undefined) add('route', p.routes.get(route) ?? NONE);
  if (consumer !== undefined) add('consumer', p.consumers.get(consumer) ?? NONE);

  const flat = <T>(get: (n: CompiledNamedPolicy) => T | null | readonly T[]): Placed<T>[] =>
    placed.flatMap(({ scope, policy, item }) => {
      const v = get(item);
      if (v === null) return [];
      return (Array.isArray(v) ? (v as readonly T[]) : [v as T]).map((x) => ({ scope, policy, item: x }));
    });
  // Deny wins for the default too: one attached policy asking for default deny is enough.
  const denier = placed.find((x) => x.item.default === 'deny' && x.policy !== GLOBAL_POLICY);
  const dflt = p.default === 'deny' ? 'deny' : denier ? 'deny' : 'allow';
  const rules = flat((n) => n.rules);
  r = {
    policies: placed,
    acls: flat((n) => n.acl),
    rules,
    readsTime: rules.some((x) => x.item.readsTime),
    permissions: flat((n) => n.permissions),
    opas: flat((n) => n.opa),
    default: dflt,
    defaultRule: p.default === 'deny' ? `default:${GLOBAL_POLICY}.deny` : denier ? `default:${denier.policy}.deny` : `default:${GLOBAL_POLICY}.allow`,
  };
  if (p.cache.size >= 10_000) p.cache.clear();
  p.cache.set(key, r);
  return r;
}
