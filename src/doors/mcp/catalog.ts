/**
 * The list and read methods: tools, prompts and resources of every server the caller's
 * grants reach, under namespaced names on `/mcp`. Each kind is granted by name (grants.ts):
 * lists show only what the caller may use (Kong 3.13.0.1 listed denied tools), and get, read,
 * subscribe and completion check again; an identity without grants of a kind gets an
 * explicit error, not a silent empty list (LiteLLM #32563). A server that fails is left out of an
 * aggregate list (logged), so one broken server does not hide the others.
 */
import { WardenError } from '../../core/errors.js';
import type { McpCtx } from './context.js';
import type { GrantKind } from './grants.js';
import { deniedByName } from './call.js';
import { upstreamOf } from './links.js';
import { guardValue } from './value-guard.js';
import { innerName, innerUri, isSafeName, outerName, outerUri } from './names.js';

type Item = Record<string, unknown>;
const MAX_PAGES = 50;

/**
 * Deny by default, answered explicitly (never a silent empty list): no grant applies, or the
 * grants that apply do not all name this kind (a tool grant grants no prompts or resources).
 */
function requireGrants(ctx: McpCtx, kind: GrantKind): void {
  const who = ctx.session.consumer.name;
  if (!ctx.grants.applicable.length) throw new WardenError('WARDEN_E_MCP_NO_GRANTS', `no MCP ${kind} are granted to consumer "${who}": add an entry under mcp.grants naming it, one of its groups or labels`);
  if (!ctx.grants.grantsKind(kind)) throw new WardenError('WARDEN_E_MCP_NO_GRANTS', `no MCP ${kind} are granted to consumer "${who}": ${kind} are granted only by a \`${kind}:\` list in every mcp.grants entry that applies to it (a grant of tools grants no prompts or resources)`);
}

/** The servers this session may reach for this kind, in config order. */
function reachable(ctx: McpCtx, kind: GrantKind): string[] {
  const names = ctx.session.scope.only ? [ctx.session.scope.only] : [...ctx.part.servers.keys()];
  return names.filter((n) => ctx.part.servers.has(n) && ctx.grants.reaches(n, kind));
}

async function listAll(ctx: McpCtx, server: string, method: string, field: string): Promise<Item[]> {
  const up = await upstreamOf(ctx, server, ctx.signal);
  const out: Item[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await up.request(method, cursor ? { cursor } : undefined, { signal: ctx.signal });
    const items = r[field];
    if (Array.isArray(items)) for (const it of items) if (it && typeof it === 'object') out.push(it as Item);
    cursor = typeof r.nextCursor === 'string' && r.nextCursor ? r.nextCursor : undefined;
    if (!cursor) break;
  }
  return out;
}

/** Lists `field` of every reachable server; a failing server is skipped on `/mcp`, fatal on `/mcp/<server>`. */
async function gather(ctx: McpCtx, method: string, field: string, needsCapability: GrantKind): Promise<{ server: string; items: Item[] }[]> {
  const servers = reachable(ctx, needsCapability);
  const results = await Promise.all(
    servers.map(async (server) => {
      try {
        const up = await upstreamOf(ctx, server, ctx.signal);
        if (!up.serverCapabilities[needsCapability]) return { server, items: [] };
        return { server, items: await listAll(ctx, server, method, field) };
      } catch (e) {
        if (ctx.session.scope.only) throw e;
        ctx.gw.log.warn('MCP server left out of an aggregate list', { server, method, error: (e as Error).message });
        return { server, items: [] };
      }
    }),
  );
  return results;
}

/** Keeps the first of equal names; a collision is reported (logged), never fatal (Docker #567). */
function dedupe(ctx: McpCtx, items: Item[], key: string): Item[] {
  const seen = new Set<string>();
  return items.filter((it) => {
    const k = String(it[key]);
    if (!seen.has(k)) return seen.add(k), true;
    ctx.gw.log.warn('MCP name collision: the later one is hidden', { name: k.slice(0, 200) });
    return false;
  });
}

export async function listTools(ctx: McpCtx): Promise<Item> {
  requireGrants(ctx, 'tools');
  const scope = ctx.session.scope;
  const tools: Item[] = [];
  for (const { server, items } of await gather(ctx, 'tools/list', 'tools', 'tools')) {
    for (const t of items) {
      if (typeof t.name !== 'string') continue;
      if (!isSafeName(t.name)) {
        ctx.gw.log.warn('MCP tool name with control or invisible characters left out', { server, name: JSON.stringify(t.name.slice(0, 100)) });
        continue;
      }
      // Grants are written in the aggregate form on every endpoint.
      if (!ctx.grants.allows(`${server}__${t.name}`)) continue;
      if (await deniedByName(ctx, server, t.name)) continue;
      tools.push({ ...t, name: outerName(scope, server, t.name) });
    }
  }
  return { tools: dedupe(ctx, tools, 'name') };
}

export async function listPrompts(ctx: McpCtx): Promise<Item> {
  requireGrants(ctx, 'prompts');
  const prompts: Item[] = [];
  for (const { server, items } of await gather(ctx, 'prompts/list', 'prompts', 'prompts')) {
    for (const p of items) if (typeof p.name === 'string' && isSafeName(p.name) && ctx.grants.permits('prompts', `${server}__${p.name}`)) prompts.push({ ...p, name: outerName(ctx.session.scope, server, p.name) });
  }
  return { prompts: dedupe(ctx, prompts, 'name') };
}

export async function listResources(ctx: McpCtx): Promise<Item> {
  requireGrants(ctx, 'resources');
  const resources: Item[] = [];
  for (const { server, items } of await gather(ctx, 'resources/list', 'resources', 'resources')) {
    for (const r of items) if (typeof r.uri === 'string' && ctx.grants.permits('resources', `${server}__${r.uri}`)) resources.push({ ...r, uri: outerUri(ctx.session.scope, server, r.uri) });
  }
  return { resources: dedupe(ctx, resources, 'uri') };
}

export async function listResourceTemplates(ctx: McpCtx): Promise<Item> {
  requireGrants(ctx, 'resources');
  const resourceTemplates: Item[] = [];
  for (const { server, items } of await gather(ctx, 'resources/templates/list', 'resourceTemplates', 'resources')) {
    for (const r of items) if (typeof r.uriTemplate === 'string' && ctx.grants.permits('resources', `${server}__${r.uriTemplate}`)) resourceTemplates.push({ ...r, uriTemplate: outerUri(ctx.session.scope, server, r.uriTemplate) });
  }
  return { resourceTemplates: dedupe(ctx, resourceTemplates, 'uriTemplate') };
}

/** Checked on every get, read, subscribe and completion: hiding a name from a list is not enforcing. */
function grantedOrRefuse(ctx: McpCtx, kind: 'prompts' | 'resources', server: string, name: string): void {
  requireGrants(ctx, kind);
  if (!ctx.part.servers.has(server)) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `no MCP server named "${server.slice(0, 64)}"`);
  const what = kind === 'prompts' ? 'prompt' : 'resource';
  if (!ctx.grants.permits(kind, `${server}__${name}`)) throw new WardenError('WARDEN_E_MCP_NOT_GRANTED', `${what} ${server}__${name.slice(0, 200)} is not granted to consumer "${ctx.session.consumer.name}" (mcp.grants[].${kind})`, { rule: 'mcp.grants' });
}

export async function getPrompt(ctx: McpCtx): Promise<Item> {
  const name = ctx.msg.params?.name;
  if (typeof name !== 'string') throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'prompts/get: params.name must be a string');
  const inner = innerName(ctx.session.scope, name);
  if (!inner) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `prompt "${name.slice(0, 200)}" names no server: use server__prompt`);
  grantedOrRefuse(ctx, 'prompts', inner.server, inner.name);
  const up = await upstreamOf(ctx, inner.server, ctx.signal);
  return guarded(ctx, await up.request('prompts/get', { ...ctx.msg.params, name: inner.name }, { signal: ctx.signal }));
}

/** Prompts and resource contents reach the model like tool results: the same guards mask or refuse them. */
async function guarded(ctx: McpCtx, r: Item): Promise<Item> {
  // The whole answer (description, `_meta`, unknown fields too), as for a tool result.
  const g = await guardValue(r, ctx.snap.detectors, ctx.snap.config.guards, ctx.session.consumer.name, 'result');
  for (const [detector, n] of g.counts) ctx.gw.metrics.guardFindings.inc(['response', detector], n);
  if (g.findings.length) ctx.ex.responseFindings = g.findings;
  return g.value;
}

export async function readResource(ctx: McpCtx): Promise<Item> {
  const uri = ctx.msg.params?.uri;
  if (typeof uri !== 'string') throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'resources/read: params.uri must be a string');
  const inner = innerUri(ctx.session.scope, uri);
  if (!inner) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `resource "${uri.slice(0, 200)}" names no server: use the URI resources/list gave`);
  grantedOrRefuse(ctx, 'resources', inner.server, inner.uri);
  const up = await upstreamOf(ctx, inner.server, ctx.signal);
  const r = await up.request('resources/read', { uri: inner.uri }, { signal: ctx.signal });
  const contents = Array.isArray(r.contents) ? r.contents.map((c: Item) => (typeof c?.uri === 'string' ? { ...c, uri: outerUri(ctx.session.scope, inner.server, c.uri) } : c)) : r.contents;
  return guarded(ctx, { ...r, contents });
}

function resourceTarget(ctx: McpCtx, method: string): { server: string; uri: string } {
  const uri = ctx.msg.params?.uri;
  if (typeof uri !== 'string') throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', `${method}: params.uri must be a string`);
  const inner = innerUri(ctx.session.scope, uri);
  if (!inner) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `resource "${uri.slice(0, 200)}" names no server: use the URI resources/list gave`);
  grantedOrRefuse(ctx, 'resources', inner.server, inner.uri);
  return inner;
}

/** resources/subscribe and unsubscribe: `notifications/resources/updated` then arrive on the GET stream. */
export async function subscription(ctx: McpCtx): Promise<Item> {
  const t = resourceTarget(ctx, ctx.msg.method);
  const up = await upstreamOf(ctx, t.server, ctx.signal);
  return up.request(ctx.msg.method, { uri: t.uri }, { signal: ctx.signal });
}

/** completion/complete for a prompt's or a resource template's argument. */
export async function complete(ctx: McpCtx): Promise<Item> {
  const ref = ctx.msg.params?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
  let server: string;
  let inner: Record<string, unknown>;
  if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
    const n = innerName(ctx.session.scope, ref.name);
    if (!n) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `prompt "${ref.name.slice(0, 200)}" names no server`);
    grantedOrRefuse(ctx, 'prompts', n.server, n.name);
    server = n.server;
    inner = { ...ref, name: n.name };
  } else if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
    const u = innerUri(ctx.session.scope, ref.uri);
    if (!u) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `resource "${ref.uri.slice(0, 200)}" names no server`);
    grantedOrRefuse(ctx, 'resources', u.server, u.uri);
    server = u.server;
    inner = { ...ref, uri: u.uri };
  } else throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'completion/complete: params.ref must be a ref/prompt with a name or a ref/resource with a uri');
  const up = await upstreamOf(ctx, server, ctx.signal);
  return guarded(ctx, await up.request('completion/complete', { ...ctx.msg.params, ref: inner }, { signal: ctx.signal }));
}
