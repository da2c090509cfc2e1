/**
 * `warden policy explain|check|schema`: why a request would be allowed or denied, whether
 * the policy section compiles, and the JSON Schema of the decision document.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { policySchema, type PolicyConfig } from '../policy/config.js';
import { documentJsonSchema, parseDocument, type DecisionDocument } from '../policy/document.js';
import { compilePolicy, type CompiledPolicy } from '../policy/engine.js';
import { withRouteAttachments } from '../doors/http/attachments.js';
import { explain, formatExplanation } from '../policy/explain.js';
import { WardenError } from '../core/errors.js';
import type { GuardsConfig } from '../guards/config.js';
import { compileToolUseRules } from '../guards/tool-use/rules.js';
import { judgeToolCall } from '../doors/llm/tool-judge.js';

export interface Writer {
  write(text: string): unknown;
}

interface ConsumerLike {
  name: string;
  groups?: string[];
  labels?: Record<string, string>;
  models?: string[];
}

export interface PolicyCommandContext {
  /** The root config (its `policy` and `consumers` sections are read). */
  config: {
    policy?: unknown;
    consumers?: readonly ConsumerLike[];
    routes?: readonly { id: string; policies: readonly string[] }[];
    /** With routes, lets `policy.attach.routes` be checked against the ids a request can carry. */
    providers?: Readonly<Record<string, unknown>>;
    guards?: GuardsConfig;
  };
  out: Writer;
  err: Writer;
}

const USAGE = `usage:
  warden policy explain [doc.json] [--consumer NAME] [--door llm|http|mcp|postgres|hook] [--model M]
                        [--tool NAME] [--server MCP_SERVER] [--path P] [--method M] [--route ID] [--json]
  warden policy check        compile the policy section and report problems with their paths
  warden policy schema       print the JSON Schema of the decision document
`;

function loadPolicy(config: PolicyCommandContext['config']): PolicyConfig {
  const parsed = policySchema.safeParse(config.policy ?? {});
  if (!parsed.success) {
    throw new ConfigError('policy', parsed.error.issues.map((i) => `policy${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`));
  }
  return parsed.data;
}

/** `routes[].policies` naming no policy (the gateway's checkRoutes reports these at a start). */
function routePolicyProblems(routes: readonly { policies: readonly string[] }[], policy: PolicyConfig): string[] {
  const have = Object.keys(policy.policies).join(', ') || 'none';
  return routes.flatMap((r, i) =>
    r.policies.flatMap((p, j) => (Object.hasOwn(policy.policies, p) ? [] : [`routes[${i}].policies[${j}]: no policy named "${p}" under policy.policies (have: ${have})`])),
  );
}

type Flags = Record<string, string | boolean | undefined>;

const EXPLAIN_OPTIONS = {
  consumer: { type: 'string' },
  door: { type: 'string' },
  model: { type: 'string' },
  tool: { type: 'string' },
  server: { type: 'string' },
  args: { type: 'string' },
  path: { type: 'string' },
  method: { type: 'string' },
  route: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Builds a decision document from flags; the consumer's groups, labels and models come from the config. */
export function documentFromFlags(f: Flags, consumers: readonly ConsumerLike[]): DecisionDocument {
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  const name = str('consumer');
  const c = name ? consumers.find((x) => x.name === name) : undefined;
  // An unknown name would be explained as a consumer with no groups, labels or scope: an
  // answer about nobody. The gateway refuses such a key, so explain refuses the name.
  if (name && !c) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `--consumer ${name}: no such consumer in the config or the store (have: ${consumers.map((x) => x.name).join(', ') || 'none'})`);
  const door = str('door') ?? (str('model') ? 'llm' : str('tool') ? (str('server') ? 'mcp' : 'hook') : 'http');
  const path = str('path') ?? (door === 'llm' ? '/v1/messages' : '/');
  return parseDocument({
    door,
    time: Date.now(),
    consumer: name ? { name, groups: c?.groups ?? [], labels: c?.labels ?? {}, models: c?.models ?? [] } : null,
    request: { method: str('method') ?? (door === 'http' ? 'GET' : 'POST'), path },
    route: str('route') ? { id: str('route') } : null,
    llm: str('model') ? { model: str('model') } : null,
    tool: str('tool') ? { name: str('tool'), server: str('server') ?? null, arguments: str('args') ? JSON.parse(str('args')!) : {} } : null,
  });
}

export async function policyCommand(argv: string[], ctx: PolicyCommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'schema') {
    ctx.out.write(`${JSON.stringify(documentJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (sub !== 'explain' && sub !== 'check') {
    ctx.err.write(USAGE);
    return 2;
  }
  let compiled: CompiledPolicy;
  try {
    // Route attachments (`routes[].policies`) count, as they do in the running gateway.
    const policy = loadPolicy(ctx.config);
    const routes = ctx.config.routes ?? [];
    const missing = routePolicyProblems(routes, policy);
    const ns = ctx.config.routes && ctx.config.providers ? { kinds: [{ noun: 'route', path: 'routes[].id', ids: routes.map((r) => r.id) }, { noun: 'provider', path: 'providers', ids: Object.keys(ctx.config.providers) }] } : undefined;
    try {
      compiled = compilePolicy(withRouteAttachments({ policy, routes }), 'policy', ns);
    } catch (e) {
      if (e instanceof ConfigError && missing.length) throw new ConfigError('policy', [...missing, ...e.problems]);
      throw e;
    }
    if (missing.length) {
      void compiled.close().catch(() => undefined);
      throw new ConfigError('routes', missing);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      ctx.err.write(`${e.problems.map((p) => `error: ${p}`).join('\n')}\n`);
      return 1;
    }
    throw e;
  }
  try {
    if (sub === 'check') {
      ctx.out.write(`policy ok: ${compiled.named.size} polic${compiled.named.size === 1 ? 'y' : 'ies'}\n`);
      return 0;
    }
    let flags: Flags;
    let positionals: string[];
    try {
      const parsed = parseArgs({ args: rest, allowPositionals: true, options: EXPLAIN_OPTIONS });
      flags = parsed.values as Flags;
      positionals = parsed.positionals;
    } catch (e) {
      ctx.err.write(`${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    let doc: DecisionDocument;
    try {
      doc = positionals[0] ? parseDocument(JSON.parse(readFileSync(positionals[0], 'utf8'))) : documentFromFlags(flags, ctx.config.consumers ?? []);
    } catch (e) {
      if (e instanceof WardenError) {
        ctx.err.write(`${e.code}: ${e.message}\n`);
        return 1;
      }
      const z = e as { issues?: { path: PropertyKey[]; message: string }[] };
      const msg = z.issues ? z.issues.map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`).join('\n') : (e as Error).message;
      ctx.err.write(`error: bad decision document: ${msg}\n`);
      return 2;
    }
    const e = await explain(compiled, doc);
    const tool = await toolUseVerdict(ctx.config.guards, compiled, doc);
    ctx.out.write(flags.json ? `${JSON.stringify({ document: doc, ...e, ...(tool && { tool_use_guard: tool }) }, null, 2)}\n` : formatExplanation(e) + (tool ? `tool call (as the LLM door judges it: the policy, then the tool-use guard's rules): ${tool.outcome}${tool.rule ? ` — ${tool.rule}` : ''}${tool.reason ? ` — ${tool.reason}` : ''}\n` : ''));
    return 0;
  } finally {
    await compiled.close();
  }
}

/**
 * For `--tool`: the verdict of the LLM door's own judge (judgeToolCall: the policy, then the
 * tool-use guard's rules), so explain answers exactly what the gateway would do with the call.
 * No approval store: explaining never creates an approval.
 */
async function toolUseVerdict(guards: GuardsConfig | undefined, policy: CompiledPolicy, doc: DecisionDocument): Promise<{ outcome: string; rule?: string; reason?: string } | undefined> {
  if (!doc.tool || !guards) return undefined;
  // With the tool-use guard off the gateway still judges tool calls by the policy alone.
  const rules = compileToolUseRules(guards);
  const judged = await judgeToolCall(
    { policy, rules, message: rules?.message ?? '', approvals: undefined, approvalTtl: { pendingTtlMs: 0, grantTtlMs: 0 }, doc: { ...doc, tool: null }, cwd: undefined },
    { name: doc.tool.name, input: doc.tool.arguments },
  );
  return { outcome: judged.record.outcome, rule: judged.record.rule, reason: judged.record.reason };
}
