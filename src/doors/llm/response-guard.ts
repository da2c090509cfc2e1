/**
 * What the LLM door guards in an answer, for one exchange: the text (secrets, PII,
 * patterns, through a hold-back window when streamed) and each tool call the model asks
 * for (the tool-use guard). Everything decided lands on the exchange for the audit record.
 */
import type { Exchange } from '../../core/exchange.js';
import { guardJsonResponse, SseResponseGuard, type GuardEvent, type TextRedactor, type ToolJudge } from '../../guards/response/index.js';
import type { LazyJsonObject } from '../../core/json/read.js';
import type { DecisionDocument } from '../../policy/document.js';
import type { Gateway } from '../../runtime/gateway.js';
import type { Snapshot } from '../../runtime/snapshot.js';
import { agentWorkingDirectory, judgeToolCall } from './tool-judge.js';

export interface ResponseGuarding {
  stream(): SseResponseGuard;
  json(body: Buffer): Promise<Buffer>;
}

function recordEvent(ex: Exchange, e: GuardEvent): void {
  if (e.type === 'finding') (ex.responseFindings ??= []).push(e.id);
  // Allow and deny are recorded by the judge with their rule; a dropped call never reached it.
  else if (e.type === 'tool' && e.decision === 'drop') (ex.toolDecisions ??= []).push({ tool: e.name, outcome: 'deny', rule: 'tool_use.incomplete', reason: e.reason });
}

/**
 * undefined when nothing in this answer needs guarding, so the door keeps forwarding bytes
 * untouched. Tool calls are judged only when the request offered tools: a model cannot call a
 * tool it was not given.
 */
export function responseGuarding(gw: Gateway, snap: Snapshot, ex: Exchange, body: LazyJsonObject, doc: DecisionDocument, forceRedact: ReadonlySet<string> | undefined): ResponseGuarding | undefined {
  const redactor: TextRedactor | null = snap.responseGuards.forConsumer(ex.consumer?.name, forceRedact);
  const rules = snap.toolUse;
  let judgeTool: ToolJudge | undefined;
  // Armed whenever tools are offered, even with the tool-use guard off: the policy engine's
  // rules over `tool` (permissions, CEL, OPA) hold on every door, and a deny there must not
  // depend on a guard being switched on. Only with neither (no tool-use rules, a policy with
  // nothing but its default) is there nobody to judge a call: every one would be allowed as
  // `tool_use.none`, so the answer passes untouched instead of being held for that.
  const judged = rules !== undefined || snap.policy.judgesTools;
  const tools = judged ? body.get('tools') : undefined;
  if (Array.isArray(tools) && tools.length > 0) {
    const deps = {
      policy: snap.policy,
      rules,
      message: rules?.message ?? snap.responseGuards.toolMessage,
      approvals: gw.approvals,
      approvalTtl: snap.policy.approvals,
      doc,
      cwd: agentWorkingDirectory(body.get('system')),
    };
    judgeTool = async (call) => {
      const j = await judgeToolCall(deps, call);
      (ex.toolDecisions ??= []).push(j.record);
      return j.allow ? { allow: true, rule: j.record.rule } : { allow: false, reason: j.record.reason ?? 'refused', rule: j.record.rule, message: j.message };
    };
  }
  if (!redactor && !judgeTool) return undefined;
  const onEvent = (e: GuardEvent) => recordEvent(ex, e);
  const toolMessage = snap.responseGuards.toolMessage;
  return {
    stream: () => new SseResponseGuard({ redactor, judgeTool, toolMessage, onEvent }),
    json: async (body) => {
      const r = await guardJsonResponse(body, { redactor, judgeTool, toolMessage });
      for (const e of r.events) onEvent(e);
      return r.body;
    },
  };
}
