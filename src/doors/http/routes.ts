/**
 * The route table, compiled once per config version: exact paths in a Map, prefixes
 * (`/api/*`) longest first, hosts as exact names or `*.domain` suffixes. A lookup is a Map
 * hit or a few `startsWith` calls — no regex on the request path.
 */
import type { RouteConfig } from './config.js';
import { buildBalancer, type Balancer, type NodePool } from './upstream.js';

export interface CompiledRoute {
  readonly id: string;
  readonly cfg: RouteConfig;
  readonly methods: ReadonlySet<string> | null;
  readonly hostsExact: ReadonlySet<string> | null;
  readonly hostSuffixes: readonly string[];
  readonly balancer: Balancer;
  /** The route facts policies see as `route` (never the upstream). */
  readonly facts: Readonly<{ id: string; uri: string | string[]; methods: string[]; hosts: string[]; labels: Record<string, string> }>;
}

interface Prefix {
  prefix: string;
  order: number;
  route: CompiledRoute;
}

export interface RouteTable {
  readonly routes: readonly CompiledRoute[];
  readonly nodes: NodePool;
  /** Whether any route serves this normalised path at all (before method and host). */
  match(path: string, method: string, host: string): { route: CompiledRoute } | { methodMiss: CompiledRoute } | undefined;
}

function hostMatches(r: CompiledRoute, host: string): boolean {
  if (!r.hostsExact) return true;
  if (r.hostsExact.has(host)) return true;
  for (const s of r.hostSuffixes) if (host.endsWith(s) && host.length > s.length) return true;
  return false;
}

export function compileRoutes(routes: readonly RouteConfig[], previousNodes?: NodePool): RouteTable {
  const nodes: NodePool = new Map();
  const exact = new Map<string, CompiledRoute[]>();
  const prefixes: Prefix[] = [];
  const compiled = routes.map((cfg, order) => {
    const hosts = cfg.hosts.map((h) => h.toLowerCase());
    const r: CompiledRoute = {
      id: cfg.id,
      cfg,
      methods: cfg.methods.length ? new Set(cfg.methods) : null,
      hostsExact: hosts.length ? new Set(hosts.filter((h) => !h.startsWith('*.'))) : null,
      hostSuffixes: hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1)),
      balancer: buildBalancer(cfg.upstream, previousNodes, nodes),
      facts: Object.freeze({ id: cfg.id, uri: cfg.uri, methods: cfg.methods, hosts: cfg.hosts, labels: cfg.labels }),
    };
    for (const u of Array.isArray(cfg.uri) ? cfg.uri : [cfg.uri]) {
      if (u.endsWith('*')) prefixes.push({ prefix: u.slice(0, -1), order, route: r });
      else {
        const list = exact.get(u) ?? [];
        list.push(r);
        exact.set(u, list);
      }
    }
    return r;
  });
  // Longest prefix first; config order breaks ties.
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length || a.order - b.order);

  return {
    routes: compiled,
    nodes,
    match(path, method, host) {
      let methodMiss: CompiledRoute | undefined;
      const tryRoute = (r: CompiledRoute): boolean => {
        if (!hostMatches(r, host)) return false;
        if (r.methods && !r.methods.has(method)) {
          methodMiss ??= r;
          return false;
        }
        return true;
      };
      const ex = exact.get(path);
      if (ex) for (const r of ex) if (tryRoute(r)) return { route: r };
      for (const p of prefixes) {
        // `/api/*` serves `/api` itself too, as APISIX does.
        if ((path.startsWith(p.prefix) || path + '/' === p.prefix) && tryRoute(p.route)) return { route: p.route };
      }
      return methodMiss ? { methodMiss } : undefined;
    },
  };
}

/** Cross-checks against the rest of the config; each problem names its path. */
export function checkRoutes(routes: readonly RouteConfig[], policyNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  routes.forEach((r, i) => {
    if (seen.has(r.id)) problems.push(`routes[${i}].id: "${r.id}" is declared twice`);
    seen.add(r.id);
    r.policies.forEach((p, j) => {
      if (!policyNames.has(p)) problems.push(`routes[${i}].policies[${j}]: no policy named "${p}" under policy.policies (have: ${[...policyNames].join(', ') || 'none'})`);
    });
    const nodes = Array.isArray(r.upstream.nodes) ? r.upstream.nodes.map((n) => n.weight) : Object.values(r.upstream.nodes);
    if (!nodes.some((w) => w > 0)) problems.push(`routes[${i}].upstream.nodes: at least one node needs a weight above 0`);
  });
  return problems;
}
