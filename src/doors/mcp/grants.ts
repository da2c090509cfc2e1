/**
 * Which tools an identity may list and call. A grant applies to a consumer by name, group
 * or labels; an identity no grant applies to has no tools (deny by default, answered
 * explicitly). When several grants apply, a tool must be allowed by EVERY one of them:
 * grants narrow, they never union into the widest (LiteLLM #33397 gave a key the union of
 * its own and its team's tools).
 */
import type { Consumer } from '../../core/exchange.js';
import { matchesAny } from '../../identity/glob.js';
import type { McpGrant } from './door-config.js';

export interface ToolGrants {
  /** The grants that apply to this consumer; empty: no MCP tools at all. */
  readonly applicable: readonly McpGrant[];
  /** Whether a namespaced tool (`server__tool`) is allowed by every applicable grant. */
  allows(tool: string): boolean;
  /** Whether some tool of the server could be allowed (prompts and resources of a server follow its tools). */
  reaches(server: string): boolean;
}

function applies(g: McpGrant, c: Consumer): boolean {
  if (g.consumers.length && !matchesAny(c.name, g.consumers)) return false;
  if (g.groups.length && !g.groups.some((x) => c.groups.includes(x))) return false;
  for (const [k, v] of Object.entries(g.labels)) if (c.labels[k] !== v) return false;
  return true;
}

/** Could a glob match some name starting with `prefix`? (its literal head is compatible with it) */
function couldStartWith(glob: string, prefix: string): boolean {
  const head = glob.split(/[*?]/, 1)[0]!;
  return head.length >= prefix.length ? head.startsWith(prefix) : prefix.startsWith(head) && head.length < glob.length;
}

export function grantsFor(grants: readonly McpGrant[], consumer: Consumer): ToolGrants {
  const applicable = grants.filter((g) => applies(g, consumer));
  return {
    applicable,
    allows: (tool) => applicable.length > 0 && applicable.every((g) => matchesAny(tool, g.tools)),
    reaches: (server) => applicable.length > 0 && applicable.every((g) => g.tools.some((t) => couldStartWith(t, `${server}__`) || t === `${server}__`)),
  };
}
