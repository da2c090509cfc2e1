/**
 * Judges one tool call the model asked for: the policy engine first (CEL rules and
 * permission rules over `tool`, deny wins), then the tool-use guard's rules (the user's,
 * then the defaults). An "ask" cannot wait mid-answer: it records a pending approval and
 * refuses this time; once approved, the identical call passes.
 */
import { resolveAsk } from '../../approvals/gate.js';
import type { ApprovalStore } from '../../approvals/types.js';
import { pendingApprovalNotice } from '../../approvals/notice.js';
import type { Decision } from '../../policy/decision.js';
import type { DecisionDocument } from '../../policy/document.js';
import { evaluate } from '../../policy/engine.js';
import { judgeWithToolRules, type ToolUseRules } from '../../guards/tool-use/rules.js';
import type { CompiledPolicy } from '../../policy/engine.js';

export interface ToolCallJudged {
  tool: string;
  outcome: 'allow' | 'deny' | 'ask';
  rule: string;
  reason?: string;
  approval?: string;
}

export interface ToolJudgement {
  allow: boolean;
  /** The text that replaces a refused tool_use block. */
  message: string;
  record: ToolCallJudged;
}

export interface ToolJudgeDeps {
  policy: CompiledPolicy;
  rules: ToolUseRules;
  approvals: ApprovalStore | undefined;
  approvalTtl: { pendingTtlMs: number; grantTtlMs: number; reviewUrl?: string };
  /** The request's decision document; `tool` is filled per call. */
  doc: DecisionDocument;
  /** The agent's working directory, when the request tells it (Claude Code's system prompt does). */
  cwd: string | undefined;
}

const WORKING_DIR = /(?:^|\n)\s*(?:Primary working directory|Working directory): *([^\n]{1,1024})/;

/** Claude Code states its working directory in the system prompt; path rules such as `Read(./.env)` need it. */
export function agentWorkingDirectory(system: unknown): string | undefined {
  const texts: string[] = [];
  if (typeof system === 'string') texts.push(system);
  else if (Array.isArray(system)) for (const b of system) if (b && typeof (b as { text?: unknown }).text === 'string') texts.push((b as { text: string }).text);
  for (const t of texts) {
    const m = WORKING_DIR.exec(t);
    if (m) {
      const dir = m[1]!.trim();
      if (dir.startsWith('/')) return dir;
    }
  }
  return undefined;
}

function fill(template: string, tool: string, reason: string): string {
  return template.replaceAll('{tool}', tool).replaceAll('{reason}', reason);
}

function isDefault(d: Decision): boolean {
  return d.rule.startsWith('default');
}

export async function judgeToolCall(deps: ToolJudgeDeps, call: { name: string; input: unknown }): Promise<ToolJudgement> {
  const args = call.input !== null && typeof call.input === 'object' && !Array.isArray(call.input) ? (call.input as Record<string, unknown>) : {};
  const doc: DecisionDocument = { ...deps.doc, tool: { server: null, name: call.name, arguments: args, ...(deps.cwd ? { cwd: deps.cwd } : {}) } };

  const pending = evaluate(deps.policy, doc, { route: doc.route?.id });
  let d: Decision = pending instanceof Promise ? await pending : pending;
  // The request itself was already allowed; for a tool call only an explicit deny or ask counts, not the default.
  if (d.outcome === 'deny' && isDefault(d)) d = { outcome: 'allow', rule: d.rule };
  if (d.outcome !== 'deny' && d.outcome !== 'ask') {
    const v = judgeWithToolRules(deps.rules, { tool: call.name, input: args }, deps.cwd ? { cwd: deps.cwd } : undefined);
    if (v.outcome === 'deny') d = { outcome: 'deny', rule: v.rule, reason: v.reason };
    else if (v.outcome === 'ask') d = { outcome: 'ask', rule: v.rule, reason: v.reason };
    else if (v.outcome === 'allow') d = { outcome: 'allow', rule: v.rule };
    else if (isDefault(d)) d = { outcome: 'allow', rule: 'tool_use.none' };
  }
  if (d.outcome === 'ask' && deps.approvals) d = await resolveAsk(deps.approvals, d, doc, deps.approvalTtl);

  const record: ToolCallJudged = { tool: call.name, outcome: d.outcome === 'redact' ? 'allow' : d.outcome, rule: d.rule };
  if (d.reason) record.reason = d.reason;
  if (d.approval) record.approval = d.approval;
  if (d.outcome === 'allow' || d.outcome === 'redact') return { allow: true, message: '', record };
  let reason = d.reason ?? 'refused by policy';
  if (d.outcome === 'ask') {
    reason = d.approval
      ? `${reason}; it needs a human approval first (${pendingApprovalNotice(d.approval, d.reviewUrl)}; once approved, the same call is allowed)`
      : `${reason}; it needs a human approval, and no approval store is configured`;
  }
  return { allow: false, message: fill(deps.rules.message, call.name, reason), record };
}
