import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import type { Consumer } from '../core/exchange.js';
import { matchesGlob } from '../identity/glob.js';
import { buildProviders, retireProvider, type Provider, type ProviderMap } from '../doors/llm/providers.js';
import { checkRoutes, compileRoutes, type RouteTable } from '../doors/http/routes.js';
import { retireNodes } from '../doors/http/upstream.js';
import { HttpLogger, type HttpLoggerDeps } from '../httplog/logger.js';
import { compilePolicy, type CompiledPolicy, type RouteNamespace } from '../policy/engine.js';
import { RequestGuard } from '../guards/request-guard.js';
import { buildDetectorSources } from '../guards/detector-set.js';
import type { PolicyConfig } from '../policy/config.js';
import { compileToolUseRules, type ToolUseRules } from '../guards/tool-use/rules.js';
import { ResponseGuardFactory } from '../guards/response/index.js';
import type { MetricsSink } from '../limits/limiter.js';
import { buildSnapshotLimiter, retireSnapshotLimiter, type SnapshotLimiter } from './limits.js';

/**
 * Everything derived from one config version. A request takes the snapshot current when
 * it arrives and keeps it to the end, so a reload never changes a request half-way.
 */
export interface Snapshot {
  readonly config: Config;
  readonly providers: ProviderMap;
  readonly consumers: readonly Consumer[];
  /** The compiled `policy` section (with route attachments from `routes[].policies`); every door evaluates it. */
  readonly policy: CompiledPolicy;
  /** The LLM door's request guard (detectors and their scan cache) for this version. */
  readonly requestGuard: RequestGuard;
  /** The response guard's detectors, built once per version; per consumer on demand. */
  readonly responseGuards: ResponseGuardFactory;
  /** The tool-use guard's rules; undefined when `guards.tool_use` is off. */
  readonly toolUse: ToolUseRules | undefined;
  /** Rate, token, concurrency and money limits; the backend survives reloads. */
  readonly limits: SnapshotLimiter;
  /** The http door's routes and their upstream nodes. */
  readonly httpRoutes: RouteTable;
  /** The http-logger of this version, if configured (kept across reloads when unchanged). */
  readonly httpLogger: HttpLogger | undefined;
  routeModel(model: string): Provider | undefined;
}

/** Process services a snapshot's parts need (metrics for the http-logger). */
export interface SnapshotDeps {
  httpLogger?: Omit<HttpLoggerDeps, 'config'>;
  limiterMetrics?: MetricsSink;
}

/**
 * Route attachments (`routes[].policies`) merged into `policy.attach.routes`. A name with no
 * policy is left out: checkRoutes refuses it under its own path (`routes[i].policies[j]`).
 */
export function withRouteAttachments(config: { policy: PolicyConfig; routes?: readonly { id: string; policies: readonly string[] }[] }): PolicyConfig {
  const extra = (config.routes ?? []).filter((r) => r.policies.length);
  if (!extra.length) return config.policy;
  const routes = { ...config.policy.attach.routes };
  for (const r of extra) routes[r.id] = [...new Set([...(routes[r.id] ?? []), ...r.policies.filter((p) => Object.hasOwn(config.policy.policies, p))])];
  return { ...config.policy, attach: { ...config.policy.attach, routes } };
}

/** Detector set-up errors (e.g. an unknown secret rule id) refuse the config instead of failing every request. */
function compileGuards(config: Config): { requestGuard: RequestGuard; responseGuards: ResponseGuardFactory } {
  try {
    // One set of detectors for both directions: the secret engine is the costly part of a load.
    const sources = buildDetectorSources(config.guards);
    return { requestGuard: new RequestGuard(config.guards, sources), responseGuards: new ResponseGuardFactory(config.guards, sources) };
  } catch (e) {
    throw new ConfigError('guards', [`guards: ${(e as Error).message}`]);
  }
}

/** Where `route.id` can come from in this config: http routes and LLM providers. */
export function routeNamespace(config: Pick<Config, 'routes' | 'providers'>): RouteNamespace {
  return { routes: config.routes.map((r) => r.id), providers: Object.keys(config.providers) };
}

interface CompiledParts {
  policy: CompiledPolicy;
  requestGuard: RequestGuard;
  responseGuards: ResponseGuardFactory;
  toolUse: ToolUseRules | undefined;
}

/**
 * Compiles routes, policy and guards, each independently, so one ConfigError lists the
 * problems of every part at once (`warden config check` reports them in one run).
 */
function compileParts(config: Config, moreRouteIds: readonly string[] = []): CompiledParts {
  const sources: string[] = [];
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      sources.push(e.source);
      problems.push(...e.problems);
      return undefined;
    }
  };
  const routeProblems = checkRoutes(config.routes, new Set(Object.keys(config.policy.policies)));
  if (routeProblems.length) (sources.push('routes'), problems.push(...routeProblems));
  const ns = routeNamespace(config);
  const routes = moreRouteIds.length ? { ...ns, routes: [...ns.routes, ...moreRouteIds.filter((id) => !ns.routes.includes(id))] } : ns;
  const policy = attempt(() => compilePolicy(withRouteAttachments(config), 'policy', routes));
  const guards = attempt(() => compileGuards(config));
  const toolUse = attempt(() => ({ rules: compileToolUseRules(config.guards) }));
  if (problems.length || !policy || !guards || !toolUse) {
    void policy?.close().catch(() => undefined);
    throw new ConfigError(sources.join(', '), problems);
  }
  return { policy, ...guards, toolUse: toolUse.rules };
}

/**
 * The compile step of a snapshot, without opening pools or connections: what `warden
 * config check` and the admin API run to refuse a config before it is applied.
 * `moreRouteIds`: routes defined elsewhere (the admin API overlay) that attachments may name.
 */
export function checkSnapshotConfig(config: Config, moreRouteIds?: readonly string[]): void {
  void compileParts(config, moreRouteIds).policy.close().catch(() => undefined);
}

/**
 * Builds the snapshot of a config. Throws ConfigError (each problem with its config path)
 * when a route or policy does not compile, so a load or reload refuses it.
 */
export function buildSnapshot(config: Config, previous?: Snapshot, deps: SnapshotDeps = {}): Snapshot {
  const { policy, requestGuard, responseGuards, toolUse } = compileParts(config);
  const providers = buildProviders(config, previous?.providers);
  const limits = buildSnapshotLimiter(config.limits, previous?.limits, deps.limiterMetrics);
  const httpRoutes = compileRoutes(config.routes, previous?.httpRoutes.nodes);
  const lc = config.http_logger;
  const reuseLogger = lc && previous?.httpLogger && JSON.stringify(previous.config.http_logger) === JSON.stringify(lc);
  const httpLogger = lc ? (reuseLogger ? previous!.httpLogger : new HttpLogger({ ...deps.httpLogger, config: lc })) : undefined;
  const routes = config.models.map((r) => ({ match: r.match, provider: providers.get(r.provider)! }));
  const routeCache = new Map<string, Provider | null>();
  return {
    config,
    providers,
    consumers: config.consumers.map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models })),
    policy,
    requestGuard,
    responseGuards,
    toolUse,
    limits,
    httpRoutes,
    httpLogger,
    routeModel(model) {
      let p = routeCache.get(model);
      if (p === undefined) {
        p = routes.find((r) => matchesGlob(model, r.match))?.provider ?? null;
        if (routeCache.size < 10_000) routeCache.set(model, p);
      }
      return p ?? undefined;
    },
  };
}

/** Releases what the old snapshot held and the new one does not reuse. */
export function retireSnapshot(old: Snapshot, next: Snapshot): void {
  for (const [name, p] of old.providers) if (next.providers.get(name) !== p) retireProvider(p);
  retireNodes(old.httpRoutes.nodes, next.httpRoutes.nodes);
  if (old.policy !== next.policy) void old.policy.close().catch(() => undefined);
  if (old.httpLogger && old.httpLogger !== next.httpLogger) void old.httpLogger.close();
  retireSnapshotLimiter(old.limits, next.limits, old.config.limits.lease_ttl);
}

/** Closes everything a snapshot holds (process shutdown). */
export async function closeSnapshot(s: Snapshot): Promise<void> {
  await Promise.all([
    ...[...s.providers.values()].map((p) => (p.type === 'anthropic' ? p.pool.close().catch(() => undefined) : undefined)),
    ...[...s.httpRoutes.nodes.values()].map((n) => n.pool.close().catch(() => undefined)),
    s.policy.close().catch(() => undefined),
    s.httpLogger?.close(),
    s.limits.backend.close().catch(() => undefined),
  ]);
}
