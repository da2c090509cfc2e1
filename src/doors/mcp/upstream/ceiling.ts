/**
 * The server-wide ceiling (`mcp.servers.<name>.tools|prompts|resources`): names outside it
 * are removed from list results and refused when called, so hiding and enforcing agree
 * (Kong 3.13.0.1 listed a denied tool). Per-identity grants are the door's, on top of this.
 */
import { WardenError } from '../../../core/errors.js';
import { matchesAny } from '../../../identity/glob.js';
import type { McpServerConfig } from '../config.js';
import { isObject } from './rpc-connection.js';

interface Filter {
  allow: readonly string[];
  deny: readonly string[];
}

export function passes(f: Filter, name: string): boolean {
  return matchesAny(name, f.allow) && !matchesAny(name, f.deny);
}

const LISTS: Record<string, { key: string; field: string; kind: 'tools' | 'prompts' | 'resources' }> = {
  'tools/list': { key: 'tools', field: 'name', kind: 'tools' },
  'prompts/list': { key: 'prompts', field: 'name', kind: 'prompts' },
  'resources/list': { key: 'resources', field: 'uri', kind: 'resources' },
  'resources/templates/list': { key: 'resourceTemplates', field: 'uriTemplate', kind: 'resources' },
};

const CALLS: Record<string, { field: string; kind: 'tools' | 'prompts' | 'resources' }> = {
  'tools/call': { field: 'name', kind: 'tools' },
  'prompts/get': { field: 'name', kind: 'prompts' },
  'resources/read': { field: 'uri', kind: 'resources' },
  'resources/subscribe': { field: 'uri', kind: 'resources' },
  'resources/unsubscribe': { field: 'uri', kind: 'resources' },
  'completion/complete': { field: '', kind: 'prompts' },
};

const isOpen = (f: Filter) => f.deny.length === 0 && f.allow.length === 1 && f.allow[0] === '*';

/** Throws WARDEN_E_MCP_NAME_DENIED for a call on a name outside the ceiling (or without a name). */
export function checkCall(server: string, cfg: McpServerConfig, method: string, params: Record<string, unknown> | undefined): void {
  const c = CALLS[method];
  if (!c) return;
  let name: unknown;
  if (method === 'completion/complete') {
    const ref = isObject(params?.ref) ? params.ref : undefined;
    if (ref?.type === 'ref/resource') return checkName(server, cfg, 'resources', ref.uri);
    name = ref?.name;
  } else name = params?.[c.field];
  checkName(server, cfg, c.kind, name);
}

function checkName(server: string, cfg: McpServerConfig, kind: 'tools' | 'prompts' | 'resources', name: unknown): void {
  const f = cfg[kind];
  if (isOpen(f)) return;
  if (typeof name !== 'string' || !passes(f, name)) {
    throw new WardenError('WARDEN_E_MCP_NAME_DENIED', `${kind.slice(0, -1)} ${typeof name === 'string' ? JSON.stringify(name.slice(0, 200)) : '(none)'} of MCP server "${server}" is not allowed (mcp.servers.${server}.${kind})`);
  }
}

/** The list result without the entries outside the ceiling. */
export function filterList(cfg: McpServerConfig, method: string, result: Record<string, unknown>): Record<string, unknown> {
  const l = LISTS[method];
  if (!l) return result;
  const f = cfg[l.kind];
  const items = result[l.key];
  if (isOpen(f) || !Array.isArray(items)) return result;
  return { ...result, [l.key]: items.filter((it) => isObject(it) && typeof it[l.field] === 'string' && passes(f, it[l.field] as string)) };
}
