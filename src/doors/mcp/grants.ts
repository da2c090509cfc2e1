/**
 * Which tools, prompts and resources an identity may list and use. A grant applies to a
 * consumer by name, group or labels, and names each kind it grants: `tools`, `prompts`,
 * `resources`. A kind a grant does not name is not granted by it — a grant written for tools
 * (`fs__*`, `*__read_file`) opens no prompt and no resource. An identity no grant applies to
 * has nothing (deny by default, answered explicitly). When several grants apply, a name must
 * be allowed by EVERY one of them: grants narrow, they never union into the widest (LiteLLM
 * #33397 gave a key the union of its own and its team's tools).
 */
import type { Consumer } from '../../core/exchange.js';
import { matchesAny } from '../../identity/glob.js';
import type { McpGrant } from './door-config.js';

export type GrantKind = 'tools' | 'prompts' | 'resources';
export const GRANT_KINDS: readonly GrantKind[] = ['tools', 'prompts', 'resources'];

export interface ToolGrants {
  /** The grants that apply to this consumer; empty: no MCP tools, prompts or resources at all. */
  readonly applicable: readonly McpGrant[];
  /** Whether a namespaced tool (`server__tool`) is allowed by every applicable grant. */
  allows(tool: string): boolean;
  /** Whether `server__name` (a prompt name, or a resource URI or URI template) of this kind is allowed by every applicable grant. */
  permits(kind: GrantKind, name: string): boolean;
  /** Whether every applicable grant names this kind at all (else nothing of it can be allowed). */
  grantsKind(kind: GrantKind): boolean;
  /** Whether some name of this kind on the server could be allowed. */
  reaches(server: string, kind?: GrantKind): boolean;
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
  const permits = (kind: GrantKind, name: string) => applicable.length > 0 && applicable.every((g) => matchesAny(name, g[kind]));
  return {
    applicable,
    allows: (tool) => permits('tools', tool),
    permits,
    grantsKind: (kind) => applicable.length > 0 && applicable.every((g) => g[kind].length > 0),
    reaches: (server, kind = 'tools') => applicable.length > 0 && applicable.every((g) => g[kind].some((t) => couldStartWith(t, `${server}__`) || t === `${server}__`)),
  };
}
