/** The LLM door's share of a snapshot: providers with their pools, and model routing. */
import type { DoorPart } from '../door.js';
import { matchesGlob } from '../../identity/glob.js';
import { buildProviders, retireProvider, type Provider, type ProviderMap } from './providers.js';

export interface LlmPart {
  readonly providers: ProviderMap;
  /** The provider serving a model name (first `models[]` match), undefined when none. */
  routeModel(model: string): Provider | undefined;
}

export const llmPart: DoorPart<LlmPart> = {
  id: 'llm',
  compile(config, previous) {
    const providers = buildProviders(config, previous?.providers);
    const routes = config.models.map((r) => ({ match: r.match, provider: providers.get(r.provider)! }));
    const routeCache = new Map<string, Provider | null>();
    return {
      providers,
      routeModel(model) {
        let p = routeCache.get(model);
        if (p === undefined) {
          p = routes.find((r) => matchesGlob(model, r.match))?.provider ?? null;
          if (routeCache.size < 10_000) routeCache.set(model, p);
        }
        return p ?? undefined;
      },
    };
  },
  retire(old, next) {
    for (const [name, p] of old.providers) if (next.providers.get(name) !== p) retireProvider(p);
  },
  async close(part) {
    await Promise.all([...part.providers.values()].map((p) => (p.type === 'anthropic' ? p.pool.close().catch(() => undefined) : undefined)));
  },
};
