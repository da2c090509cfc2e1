import type { IncomingMessage, ServerResponse } from 'node:http';
import { extractCredential } from '../../identity/credential.js';
import { modelInScope } from '../../identity/scope.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import { failExchange } from './messages.js';
import { MOCK_MODELS } from './mock-provider.js';
import type { Provider } from './providers.js';
import { llmPart } from './part.js';

interface ModelEntry {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

const upstreamCache = new WeakMap<Provider, { at: number; ids: string[] }>();
const CACHE_MS = 5 * 60_000;

async function providerModels(p: Provider): Promise<string[]> {
  if (p.type === 'mock') return MOCK_MODELS;
  const cached = upstreamCache.get(p);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.ids;
  try {
    const r = await p.pool.request({ method: 'GET', path: `${p.basePath}/v1/models?limit=1000`, headers: [...p.credential, 'anthropic-version', '2023-06-01'], headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await r.body.text();
    if (r.statusCode !== 200) return [];
    const ids = ((JSON.parse(text) as { data?: Array<{ id?: unknown }> }).data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    upstreamCache.set(p, { at: Date.now(), ids });
    return ids;
  } catch {
    return [];
  }
}

/** GET /v1/models: only the models this key may use and Warden can route. */
export async function handleModels(gw: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const snap = gw.current();
  const ex = newExchange('llm', req, '/v1/models');
  try {
    const who = gw.identity.authenticate(extractCredential(req.rawHeaders));
    ex.key = who.key;
    ex.consumer = who.consumer;
    const candidates = new Set<string>();
    for (const r of snap.config.models) if (!/[*?]/.test(r.match)) candidates.add(r.match);
    for (const p of snap.part(llmPart).providers.values()) for (const id of await providerModels(p)) candidates.add(id);
    const data: ModelEntry[] = [];
    for (const id of candidates) {
      if (!snap.part(llmPart).routeModel(id) || !modelInScope(id, who.key, who.consumer)) continue;
      data.push({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' });
    }
    data.sort((a, b) => a.id.localeCompare(b.id));
    const body = JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    ex.status = 200;
    ex.decision = { outcome: 'allow', rule: 'scope.models' };
    gw.finish(ex);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-warden-request-id': ex.id });
    res.end(body);
  } catch (e) {
    failExchange(gw, res, ex, e, false);
  }
}
