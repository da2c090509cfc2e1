/**
 * `tools/call` through the shared stages (src/runtime/stages.ts): the caller was identified
 * with its session; read takes the call apart; authorize checks the grant again (hiding in
 * tools/list is not enforcing), the built-in validators, then the one tool-use judgement
 * every door shares (CEL over `tool.arguments`, permission rules such as
 * `mcp__server__tool`, the tool-use guard's rules); limit charges the per-tool counters;
 * guard scans the arguments; forward runs the call and guards its result.
 */
import { resolveAsk } from '../../approvals/gate.js';
import { pendingApprovalNotice } from '../../approvals/notice.js';
import { WardenError } from '../../core/errors.js';
import { judgeToolUse } from '../../guards/tool-use/judge.js';
import { decisionToError, toDecisionRecord, type Decision } from '../../policy/decision.js';
import { baseDocument, connectionFacts } from '../../policy/facts.js';
import type { DecisionDocument } from '../../policy/document.js';
import { runStages, type DoorStages } from '../../runtime/stages.js';
import { statementFacts } from '../postgres/policy/decide.js';
import type { McpCtx } from './context.js';
import { upstreamOf } from './links.js';
import { innerName, isSafeName, permissionName } from './names.js';
import { validateArguments, validateSqlArguments } from './validators.js';
import { guardValue } from './value-guard.js';

/** Bounds what an audit record keeps of the arguments. */
const AUDIT_ARGS_CHARS = 2048;

export interface CallOutcome {
  /** The JSON-RPC result to answer, or an error thrown through `fail`. */
  result?: Record<string, unknown>;
  /** A JSON-RPC error that is an answer (-32042 URL elicitation), not a failure. */
  rpcError?: { code: number; message: string; data: Record<string, unknown> };
}

interface CallCtx {
  mcp: McpCtx;
  out: CallOutcome;
  server: string;
  tool: string;
  args: Record<string, unknown>;
  /** The arguments as JSON (their size is checked on it; the audit record keeps it when nothing was found in them). */
  argsJson: string;
  argsBytes: number;
  forwardArgs: Record<string, unknown>;
  /** The guard stage scanned the arguments and found nothing: the audit record needs no second scan. */
  argsClean: boolean;
  doc?: DecisionDocument;
  decision?: Decision;
  fail: (e: unknown) => void;
}

/** The decision document of one tool call at the MCP door: `route.id` is the server. */
export function toolDocument(mcp: McpCtx, server: string, tool: string, args: Record<string, unknown>): DecisionDocument & { tool: NonNullable<DecisionDocument['tool']> } {
  const { ex, session, req } = mcp;
  const doc = baseDocument('mcp', ex.start, session.consumer, ex.key);
  doc.route = { id: server };
  doc.session = { id: session.id.slice(0, 32) };
  doc.connection = connectionFacts(req.socket);
  return { ...doc, tool: { server, name: tool, arguments: args } };
}

/**
 * Whether a tool is refused whatever its arguments: a deny by a permission rule
 * (`mcp__server__tool`), an ACL or the tool-use guard's rules, judged with no arguments.
 * tools/list hides those (Kong 3.13.0.1 listed denied tools); a CEL rule may read the
 * arguments, so its denials are left to the call.
 */
export async function deniedByName(mcp: McpCtx, server: string, tool: string): Promise<boolean> {
  const judged = judgeToolUse(mcp.snap.policy, mcp.snap.toolUse, toolDocument(mcp, server, tool, {}));
  const d = judged instanceof Promise ? await judged.catch(() => undefined) : judged;
  return d?.outcome === 'deny' && !d.rule.startsWith('rule:');
}

/** What the audit record keeps: the arguments as forwarded, every finding masked whatever its action, cut. */
async function auditArguments(c: CallCtx): Promise<string> {
  if (c.argsClean && c.forwardArgs === c.args) return cut(c.argsJson);
  const { snap, session } = c.mcp;
  const guards = snap.config.guards;
  const all = { ...guards, consumers: {} } as typeof guards;
  const sources = snap.detectors.map((s) => ({ ...s, action: 'redact' as const, perRule: undefined }));
  let v: unknown = c.forwardArgs;
  try {
    v = (await guardValue(c.forwardArgs, sources, all, session.consumer.name, 'arguments')).value;
  } catch {
    return '[withheld: could not be scanned]';
  }
  return cut(JSON.stringify(v));
}

function cut(s: string): string {
  return s.length > AUDIT_ARGS_CHARS ? `${s.slice(0, AUDIT_ARGS_CHARS)}…[truncated]` : s;
}

/** A one-line account of a result: never its content. */
function summarize(r: Record<string, unknown>): string {
  const content = Array.isArray(r.content) ? (r.content as { type?: unknown }[]) : [];
  const kinds = [...new Set(content.map((b) => String(b?.type ?? '?')))].join(',');
  return `${r.isError === true ? 'error' : 'ok'}: ${content.length} content block(s)${kinds ? ` (${kinds})` : ''}${r.structuredContent !== undefined ? ', structured' : ''}`;
}

const STAGES: DoorStages<CallCtx> = {
  identify() {
    // Done when the session was looked up: its principal is this request's.
  },
  read(c) {
    const p = c.mcp.msg.params ?? {};
    if (typeof p.name !== 'string' || !p.name) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'tools/call: params.name must be a tool name');
    const inner = innerName(c.mcp.session.scope, p.name);
    if (!inner) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `tool "${p.name.slice(0, 200)}" names no MCP server: on /mcp tools are server__tool`);
    if (!isSafeName(inner.name)) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `tool ${JSON.stringify(p.name.slice(0, 200))} has control or invisible characters in its name: no such tool is offered`);
    if (p.arguments !== undefined && (p.arguments === null || typeof p.arguments !== 'object' || Array.isArray(p.arguments))) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'tools/call: params.arguments must be an object');
    c.server = inner.server;
    c.tool = inner.name;
    c.args = (p.arguments as Record<string, unknown> | undefined) ?? {};
    c.forwardArgs = c.args;
    c.argsJson = JSON.stringify(c.args);
    c.argsBytes = Buffer.byteLength(c.argsJson);
    const meta = p._meta as Record<string, unknown> | undefined;
    const m = c.mcp.ex.mcp!;
    m.server = c.mcp.part.servers.has(c.server) ? c.server : undefined;
    m.tool = m.server ? c.tool.slice(0, 128) : undefined;
    const id = meta?.['claudecode/toolUseId'];
    if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(id)) m.toolUseId = id;
    const pt = meta?.progressToken;
    if ((typeof pt === 'string' && pt.length <= 128) || typeof pt === 'number') m.progressToken = String(pt);
    const tp = meta?.traceparent;
    if (typeof tp === 'string' && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(tp)) m.traceparent = tp;
  },
  async authorize(c) {
    const { mcp } = c;
    const { part, grants, session, snap, gw } = mcp;
    if (!grants.applicable.length) throw new WardenError('WARDEN_E_MCP_NO_GRANTS', `no MCP tools are granted to consumer "${session.consumer.name}": add an entry under mcp.grants`);
    if (!part.servers.has(c.server)) throw new WardenError('WARDEN_E_MCP_UNKNOWN_TOOL', `no MCP server named "${c.server.slice(0, 64)}" under mcp.servers`);
    const full = `${c.server}__${c.tool}`;
    if (!grants.allows(full)) throw new WardenError('WARDEN_E_MCP_NOT_GRANTED', `tool ${full} is not granted to consumer "${session.consumer.name}" (mcp.grants)`, { rule: 'mcp.grants' });
    // Only until the SQL parser (wasm) has loaded: no await at all without a `sql` validator.
    const loading = part.sql?.pending();
    if (loading) await loading;
    const statements = validateArguments(full, c.args, c.argsBytes, part.config.validators, part.config.max_argument_bytes, part.sql);
    const doc = toolDocument(mcp, c.server, c.tool, c.args);
    // CEL and OPA see the SQL a `sql` validator classified the way they see it at the PostgreSQL door.
    if (statements.length) doc.sql = { statements: statements.map(statementFacts) };
    c.doc = doc;
    const judged = judgeToolUse(snap.policy, snap.toolUse, doc);
    let d = judged instanceof Promise ? await judged : judged;
    if (d.outcome === 'ask') d = await resolveAsk(gw.approvals, d, doc, snap.policy.approvals);
    mcp.ex.decision = toDecisionRecord(d);
    mcp.ex.toolDecisions = [{ tool: permissionName(c.server, c.tool), outcome: d.outcome === 'redact' ? 'allow' : d.outcome, rule: d.rule, ...(d.reason ? { reason: d.reason } : {}), ...(d.approval ? { approval: d.approval } : {}) }];
    c.decision = d;
    if (d.outcome === 'deny') throw decisionToError(d);
    if (d.outcome === 'ask') throw askError(d);
  },
  async limit(c) {
    const limiter = c.mcp.snap.limits.limiter;
    if (!limiter) return;
    const { ex, session } = c.mcp;
    // Per-tool limits: the limiter's model dimension carries the tool's permission name
    // (`limits.rules[].match.models: [mcp__github__*]`).
    ex.admission = await limiter.check({ keyId: ex.key?.id ?? session.principal, consumer: session.consumer, sessionId: session.id.slice(0, 32), model: permissionName(c.server, c.tool), estimatedInputTokens: 0, estimatedOutputTokens: 0 });
  },
  async guard(c) {
    const { snap, session, gw, ex } = c.mcp;
    const g = await guardValue(c.args, snap.detectors, snap.config.guards, session.consumer.name, 'arguments');
    for (const [detector, n] of g.counts) gw.metrics.guardFindings.inc(['request', detector], n);
    // The audit scan masks every finding whatever its action: with none found by the same detectors on the same value, it would change nothing.
    c.argsClean = g.scanned && g.findings.length === 0;
    if (g.changed) {
      // A redaction inside SQL text changes what the server runs: classify what is forwarded.
      validateSqlArguments(`${c.server}__${c.tool}`, g.value, c.mcp.part.config.validators, c.mcp.part.sql);
      c.forwardArgs = g.value;
      ex.decision = { outcome: 'redact', rule: 'guards', reason: `redact: ${g.findings.join(', ')}` };
    }
  },
  async forward(c) {
    const { mcp } = c;
    const { ex, snap, session, gw, reply } = mcp;
    ex.mcp!.arguments = await auditArguments(c);
    const up = await upstreamOf(mcp, c.server, mcp.signal);
    const meta = (mcp.msg.params?._meta ?? {}) as Record<string, unknown>;
    const params: Record<string, unknown> = { name: c.tool, arguments: c.forwardArgs };
    if (meta.progressToken !== undefined) params._meta = { progressToken: meta.progressToken };
    const t0 = performance.now();
    const result = await up.request('tools/call', params, {
      signal: mcp.signal,
      onNotification: (n) => {
        if (reply.canStream && (n.method === 'notifications/progress' || n.method === 'notifications/message')) reply.notify(n);
      },
    });
    ex.upstreamMs = performance.now() - t0;
    // The result goes back to the agent and from there to the LLM provider: same guards.
    let answer = result;
    try {
      // The whole result, not only content and structuredContent: a hostile server can put a secret in `_meta` or a field no schema names, and clients pass those on.
      const g = await guardValue(result, snap.detectors, snap.config.guards, session.consumer.name, 'result');
      for (const [detector, n] of g.counts) gw.metrics.guardFindings.inc(['response', detector], n);
      if (g.findings.length) ex.responseFindings = g.findings;
      if (g.changed) answer = g.value;
    } catch (e) {
      if (!(e instanceof WardenError)) throw e;
      ex.responseFindings = [e.rule ?? 'guard'];
      answer = { content: [{ type: 'text', text: `Warden withheld the result of ${permissionName(c.server, c.tool)}: ${e.message}` }], isError: true };
    }
    ex.mcp!.result = summarize(answer);
    c.out.result = answer;
  },
  fail: (c, e) => c.fail(e),
};

/**
 * An `ask` the approval store could not settle yet. A client that declared URL elicitation
 * gets -32042 pointing at the approval; any other gets a tool result with isError naming
 * the approval, so the model can tell the user and retry once it is approved.
 */
function askError(d: Decision): WardenError {
  return Object.assign(decisionToError(d), { approvalDecision: d });
}

export async function callTool(ctx: McpCtx): Promise<CallOutcome> {
  const out: CallOutcome = {};
  let failure: unknown;
  const c = { mcp: ctx, out, server: '', tool: '', args: {}, argsJson: '{}', argsBytes: 0, forwardArgs: {}, argsClean: false, fail: (e: unknown) => (failure = e) } as CallCtx;
  await runStages(c, STAGES);
  if (failure === undefined) return out;
  const d = (failure as { approvalDecision?: Decision }).approvalDecision;
  if (!d) throw failure;
  const notice = d.approval ? pendingApprovalNotice(d.approval, d.reviewUrl) : 'no approval store is configured';
  const elicit = (ctx.session.clientCapabilities.elicitation as { url?: unknown } | undefined)?.url !== undefined;
  if (elicit && d.approval && d.reviewUrl) {
    out.rpcError = {
      code: -32042,
      message: `tool ${permissionName(c.server, c.tool)} needs a human approval first`,
      data: { elicitations: [{ mode: 'url', elicitationId: d.approval, url: d.reviewUrl, message: `Approve Warden approval ${d.approval}, then retry the call.` }] },
    };
  } else {
    out.result = { content: [{ type: 'text', text: `Warden: ${permissionName(c.server, c.tool)} needs a human approval before it runs (${d.reason ?? d.rule}; ${notice}). Once it is approved, the same call is allowed: ask the user, then retry.` }], isError: true };
  }
  ctx.ex.mcp!.result = out.rpcError ? 'approval: url elicitation' : 'approval: isError result';
  return out;
}
