import type { Config } from '../config/schema.js';
import type { Consumer } from '../core/exchange.js';
import { matchesGlob } from '../identity/glob.js';
import { buildProviders, retireProvider, type Provider, type ProviderMap } from '../doors/llm/providers.js';

/**
 * Everything derived from one config version. A request takes the snapshot current when
 * it arrives and keeps it to the end, so a reload never changes a request half-way.
 */
export interface Snapshot {
  readonly config: Config;
  readonly providers: ProviderMap;
  readonly consumers: readonly Consumer[];
  routeModel(model: string): Provider | undefined;
}

export function buildSnapshot(config: Config, previous?: Snapshot): Snapshot {
  const providers = buildProviders(config, previous?.providers);
  const routes = config.models.map((r) => ({ match: r.match, provider: providers.get(r.provider)! }));
  const routeCache = new Map<string, Provider | null>();
  return {
    config,
    providers,
    consumers: config.consumers.map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models })),
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
}
