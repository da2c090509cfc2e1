import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import type { Consumer } from '../core/exchange.js';
import type { DoorPart, RouteIds } from '../doors/door.js';
import { DOORS } from '../doors/registry.js';
import { mergeRouteAttachments } from '../policy/route-attachments.js';
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
  /** A door's compiled share of this version (`snap.part(llmPart)`), built by its DoorPart. */
  part<P>(door: DoorPart<P>): P;
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
  /** The http-logger of this version, if configured (kept across reloads when unchanged). */
  readonly httpLogger: HttpLogger | undefined;
  /** The compiled parts by door id (generic: retire and close walk them). */
  readonly parts: ReadonlyMap<string, unknown>;
}

/** Process services a snapshot's parts need (metrics for the http-logger). */
export interface SnapshotDeps {
  httpLogger?: Omit<HttpLoggerDeps, 'config'>;
  limiterMetrics?: MetricsSink;
}

/** Every door's own route attachments (`routes[].policies`) merged into `policy.attach.routes`. */
export function withDoorAttachments(config: Config): PolicyConfig {
  return mergeRouteAttachments(config.policy, DOORS.flatMap((d) => d.attachments?.(config) ?? []));
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

/** Where `route.id` can come from in this config: each door's ids (http routes, LLM providers, …). */
export function routeNamespace(config: Config): RouteNamespace {
  return { kinds: DOORS.flatMap((d): RouteIds[] => d.routeIds?.(config) ?? []) };
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
  for (const d of DOORS) {
    const doorProblems = d.part?.check?.(config) ?? [];
    if (doorProblems.length) (sources.push(Object.keys(d.config).join(', ')), problems.push(...doorProblems));
  }
  const ns = routeNamespace(config);
  // The admin API's routes are http routes: they join the http door's ids.
  const routes = moreRouteIds.length ? { kinds: ns.kinds.map((k) => (k.path === 'routes[].id' ? { ...k, ids: [...k.ids, ...moreRouteIds.filter((id) => !k.ids.includes(id))] } : k)) } : ns;
  const policy = attempt(() => compilePolicy(withDoorAttachments(config), 'policy', routes));
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
  const parts = new Map<string, unknown>();
  for (const d of DOORS) if (d.part) parts.set(d.part.id, d.part.compile(config, previous?.parts.get(d.part.id), deps));
  const limits = buildSnapshotLimiter(config.limits, previous?.limits, deps.limiterMetrics);
  const lc = config.http_logger;
  const reuseLogger = lc && previous?.httpLogger && JSON.stringify(previous.config.http_logger) === JSON.stringify(lc);
  const httpLogger = lc ? (reuseLogger ? previous!.httpLogger : new HttpLogger({ ...deps.httpLogger, config: lc })) : undefined;
  return {
    config,
    consumers: config.consumers.map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models })),
    policy,
    requestGuard,
    responseGuards,
    toolUse,
    limits,
    httpLogger,
    parts,
    part<P>(door: DoorPart<P>): P {
      if (!parts.has(door.id)) throw new Error(`door part "${door.id}" is not registered in src/doors/registry.ts`);
      return parts.get(door.id) as P;
    },
  };
}

/** Releases what the old snapshot held and the new one does not reuse. */
export function retireSnapshot(old: Snapshot, next: Snapshot): void {
  for (const d of DOORS) if (d.part?.retire && old.parts.has(d.part.id)) d.part.retire(old.parts.get(d.part.id), next.parts.get(d.part.id));
  if (old.policy !== next.policy) void old.policy.close().catch(() => undefined);
  if (old.httpLogger && old.httpLogger !== next.httpLogger) void old.httpLogger.close();
  retireSnapshotLimiter(old.limits, next.limits, old.config.limits.lease_ttl);
}

/** Closes everything a snapshot holds (process shutdown). */
export async function closeSnapshot(s: Snapshot): Promise<void> {
  await Promise.all([
    ...DOORS.map((d) => (d.part?.close && s.parts.has(d.part.id) ? d.part.close(s.parts.get(d.part.id)).catch(() => undefined) : undefined)),
    s.policy.close().catch(() => undefined),
    s.httpLogger?.close(),
    s.limits.backend.close().catch(() => undefined),
  ]);
}
