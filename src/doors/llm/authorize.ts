/**
 * The LLM door's authorize stage: the policy engine decides over the model call (model
 * scope first, then ACL, CEL rules, permission rules, OPA), and an "ask" goes to the
 * approval store. Rules see the model, the tools offered, the stream flag and the consumer.
 */
import type { IncomingMessage } from 'node:http';
import { resolveAsk } from '../../approvals/gate.js';
import type { ApprovalStore } from '../../approvals/types.js';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import { evaluate } from '../../policy/engine.js';
import type { Decision } from '../../policy/decision.js';
import type { DecisionDocument } from '../../policy/document.js';
import { baseDocument, connectionFacts, requestFacts } from '../../policy/facts.js';
import type { Snapshot } from '../../runtime/snapshot.js';

/** Names of the tools a request offers the model (bounded: the document is built per request). */
export function offeredTools(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const out: string[] = [];
  for (let i = 0; i < tools.length && i < 512; i++) {
    const name = (tools[i] as { name?: unknown } | null)?.name;
    if (typeof name === 'string') out.push(name);
  }
  return out;
}

export interface LlmFacts {
  req: IncomingMessage;
  consumer: Consumer;
  key: KeyInfo;
  provider: string;
  model: string;
  stream: boolean;
  tools: string[];
  sessionId: string | undefined;
  time: number;
}

export function llmDocument(f: LlmFacts, withHttp: boolean): DecisionDocument {
  const doc = baseDocument('llm', f.time, f.consumer, f.key);
  doc.llm = { provider: f.provider, model: f.model, stream: f.stream, tools: f.tools };
  doc.route = { id: f.provider };
  if (f.sessionId) doc.session = { id: f.sessionId };
  // Request and connection facts cost a header copy: only built when some policy source can read them.
  if (withHttp) {
    doc.request = requestFacts(f.req);
    doc.connection = connectionFacts(f.req.socket);
  }
  return doc;
}

/**
 * The engine's decision, with an "ask" resolved against the approval store (pending,
 * granted or refused). Synchronous unless OPA or the approval store is involved: the
 * common request pays no promise.
 */
export function authorizeLlm(snap: Snapshot, doc: DecisionDocument, approvals: ApprovalStore | undefined): Decision | Promise<Decision> {
  const pending = evaluate(snap.policy, doc, { route: doc.route?.id });
  if (pending instanceof Promise) return pending.then((d) => resolveIfAsk(snap, d, doc, approvals));
  return resolveIfAsk(snap, pending, doc, approvals);
}

function resolveIfAsk(snap: Snapshot, d: Decision, doc: DecisionDocument, approvals: ApprovalStore | undefined): Decision | Promise<Decision> {
  if (d.outcome !== 'ask' || !approvals) return d;
  return resolveAsk(approvals, d, doc, snap.policy.approvals);
}
