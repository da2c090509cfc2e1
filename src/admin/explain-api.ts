/**
 * `POST /admin/policy/explain`: why the live policy would allow or deny a request — the
 * admin-API side of `warden policy explain`. It takes the same facts as the CLI's flags
 * (plus headers and a body), fills in the consumer, key and route the gateway knows, and
 * runs every source with a trace. Credentials in the given headers never reach the policy.
 */
import { z } from 'zod';
import { WardenError } from '../core/errors.js';
import { normalisePath } from '../doors/http/path.js';
import { documentSchema, parseDocument, withoutCredentials, type DecisionDocument } from '../policy/document.js';
import { explain, formatExplanation } from '../policy/explain.js';
import type { Gateway } from '../runtime/gateway.js';
import type { Snapshot } from '../runtime/snapshot.js';
import { AdminConfigError } from './overlay-write.js';
import { httpPart } from '../doors/http/part.js';
import { llmPart } from '../doors/llm/part.js';

const DOORS = ['llm', 'http', 'mcp', 'postgres', 'hook', 'admin'] as const;

const explainInput = z.strictObject({
  document: z.record(z.string(), z.unknown()).optional().describe('A whole decision document; the other fields are then ignored.'),
  door: z.enum(DOORS).optional(),
  consumer: z.string().min(1).optional().describe('Consumer name (config or store).'),
  key: z.string().min(1).optional().describe('Key id (`key_…`); its consumer is used when `consumer` is not given.'),
  model: z.string().min(1).optional(),
  stream: z.boolean().optional(),
  tools: z.array(z.string()).optional().describe('Tools offered to the model (llm door).'),
  tool: z.string().min(1).optional().describe('Tool name (mcp and hook doors).'),
  server: z.string().min(1).optional().describe('MCP server of the tool.'),
  arguments: z.record(z.string(), z.unknown()).optional(),
  method: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  host: z.string().optional(),
  query: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  route: z.string().min(1).optional().describe('Route id; for the http door it is found from method, host and path when not given.'),
  session: z.string().min(1).optional(),
});

type ExplainInput = z.output<typeof explainInput>;

function zodProblems(e: z.ZodError, prefix = ''): string[] {
  return e.issues.map((i) => `${prefix}${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(body)'}: ${i.message}`);
}

/** The decision document for the given facts, as the door would build it. */
export function explainDocument(gw: Gateway, snap: Snapshot, input: ExplainInput, now = Date.now()): DecisionDocument {
  const key = input.key === undefined ? undefined : gw.store.getKey(input.key);
  if (input.key !== undefined && !key) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `key: no key ${input.key}`);
  const consumerName = input.consumer ?? key?.consumer;
  const consumer = consumerName === undefined ? undefined : gw.identity.consumer(consumerName);
  if (consumerName !== undefined && !consumer) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `consumer: no consumer "${consumerName}" in the config or the store`);

  const door = input.door ?? (input.model ? 'llm' : input.tool ? (input.server ? 'mcp' : 'hook') : 'http');
  const method = (input.method ?? (door === 'http' ? 'GET' : 'POST')).toUpperCase();
  let path = input.path ?? (door === 'llm' ? '/v1/messages' : '/');
  const host = (input.host ?? input.headers?.host ?? input.headers?.Host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (door === 'http') {
    try {
      path = normalisePath(path);
    } catch (e) {
      throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `path: ${(e as Error).message}`);
    }
  }
  let route: Record<string, unknown> | null = null;
  if (input.route !== undefined) route = snap.part(httpPart).routes.find((r) => r.id === input.route)?.facts ?? { id: input.route };
  else if (door === 'http') {
    const m = snap.part(httpPart).match(path, method, host);
    if (m && 'route' in m) route = m.route.facts;
  }
  const body = input.body;
  const request: Record<string, unknown> = { method, path, host, query: input.query ?? {}, headers: withoutCredentials(input.headers ?? {}) };
  if (body !== undefined) {
    request.body = body;
    request.body_size = Buffer.byteLength(typeof body === 'string' ? body : JSON.stringify(body));
  }
  return parseDocument({
    door,
    time: now,
    consumer: consumer ? { name: consumer.name, groups: consumer.groups, labels: consumer.labels, models: consumer.models } : null,
    key: key ? { id: key.id, models: key.models } : null,
    request,
    route,
    llm: input.model ? { model: input.model, provider: snap.part(llmPart).routeModel(input.model)?.name ?? '', stream: input.stream ?? false, tools: input.tools ?? [] } : null,
    tool: input.tool ? { name: input.tool, server: input.server ?? null, arguments: input.arguments ?? {} } : null,
    session: input.session ? { id: input.session } : null,
  });
}

export async function explainRequest(gw: Gateway, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const parsed = explainInput.safeParse(raw);
  if (!parsed.success) throw new AdminConfigError('WARDEN_E_ADMIN_BAD_INPUT', zodProblems(parsed.error));
  // One snapshot for the whole answer: a concurrent admin write cannot mix two versions.
  const snap = gw.current();
  let doc: DecisionDocument;
  if (parsed.data.document) {
    const d = documentSchema.safeParse({ time: Date.now(), ...parsed.data.document });
    if (!d.success) throw new AdminConfigError('WARDEN_E_ADMIN_BAD_INPUT', zodProblems(d.error, 'document.'));
    doc = d.data;
  } else {
    try {
      doc = explainDocument(gw, snap, parsed.data);
    } catch (e) {
      if (e instanceof z.ZodError) throw new AdminConfigError('WARDEN_E_ADMIN_BAD_INPUT', zodProblems(e));
      throw e;
    }
  }
  const e = await explain(snap.policy, doc);
  return { document: doc, ...e, text: formatExplanation(e) };
}
