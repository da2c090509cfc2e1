/**
 * SQL text → policy decision: the classifier (sql/) says what the text does; the shared
 * policy engine decides on the decision document's `sql` facts, so CEL rules and OPA decide
 * too. What the classifier blocks, or cannot classify, is denied before the engine runs.
 */
import type { CompiledPolicy } from '../../policy/engine.js';
import { evaluate } from '../../policy/engine.js';
import type { DecisionDocument } from '../../policy/document.js';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import type { SqlClassifier } from './sql/index.js';
import type { StatementDecision } from './statement-policy.js';

export interface DecideContext {
  consumer: Consumer;
  key: KeyInfo | undefined;
  database: string;
  remote: string;
  session: string;
}

export function decideStatement(classifier: SqlClassifier, policy: () => CompiledPolicy, ctx: DecideContext, sql: string): StatementDecision | Promise<StatementDecision> {
  const c = classifier.classify(sql);
  const kinds = c.statements.map((s) => s.kind);
  const doc: DecisionDocument = {
    door: 'postgres',
    time: Date.now(),
    consumer: ctx.consumer,
    key: ctx.key ? { id: ctx.key.id, models: ctx.key.models } : null,
    request: null,
    connection: { remote_addr: ctx.remote, remote_port: 0, server_addr: '', server_port: 0 },
    route: { id: ctx.database },
    service: null,
    llm: null,
    tool: null,
    sql: { statements: c.statements.map((s) => ({ kind: s.kind, tables: s.tables, functions: s.functions })) },
    session: { id: ctx.session },
  };
  if (c.refused) return { decision: { outcome: 'deny', rule: `sql:${c.refused.code}`, reason: c.refused.reason }, doc, kinds };
  const blocked = c.statements.find((s) => s.effect === 'blocked');
  if (blocked) return { decision: { outcome: 'deny', rule: 'sql:blocked', reason: blocked.reason ?? `${blocked.kind} is always blocked` }, doc, kinds };
  // DO, CALL, SQL-level PREPARE/EXECUTE, SET ROLE …: until the statement policy gives them explicit rules, refused.
  const restricted = c.statements.find((s) => s.effect === 'restricted');
  if (restricted) return { decision: { outcome: 'deny', rule: 'sql:restricted', reason: restricted.reason ?? `${restricted.kind} needs an explicit rule` }, doc, kinds };
  const d = evaluate(policy(), doc);
  return d instanceof Promise ? d.then((decision) => ({ decision, doc, kinds })) : { decision: d, doc, kinds };
}
