/**
 * decideStatements: the verdict on one query (a whole simple Query, or one Parse/Bind) for
 * one consumer. Order: the always-blocked list (nobody), then the role preset and the
 * user's policy in the shared engine over a decision document carrying `sql` — deny wins,
 * then ask, then allow — and a restricted statement (DO, CALL, SET ROLE, …) passes only
 * when a rule of the user's policy explicitly allows it.
 */
import type { Consumer, KeyInfo } from '../../../core/exchange.js';
import type { Decision } from '../../../policy/decision.js';
import type { DecisionDocument } from '../../../policy/document.js';
import { evaluate, type CompiledPolicy } from '../../../policy/engine.js';
import { baseDocument } from '../../../policy/facts.js';
import { blockedReason, type ClassifiedSql } from '../sql/index.js';
import { STATEMENT_ROLES, type StatementPolicyConfig, type StatementRole } from './config.js';
import { compilePreset } from './preset.js';

export interface ActiveGrantFacts {
  id: string;
  role: StatementRole;
  /** ms since the epoch. */
  expires: number;
}

export interface StatementContext {
  /** ms since the epoch; default Date.now(). */
  time?: number;
  database?: string;
  /** `route.id`: the database as the client named it, so `policy.attach.routes.<database>` applies. */
  route?: string;
  key?: KeyInfo;
  /** Bind parameter values (text) of an extended-protocol execution. */
  params?: (string | null)[];
  grant?: ActiveGrantFacts | null;
  connection?: DecisionDocument['connection'];
  session?: string;
}

export interface StatementVerdict {
  /** allow, deny (reason) or ask (approvers); hand an ask to src/approvals/gate.ts resolveAsk with `doc`. */
  decision: Decision;
  /** The document the engine decided on; an approval is bound to its facts (text, params, database, consumer). */
  doc: DecisionDocument;
}

/** The compiled settings of one config version. */
export interface StatementPolicy {
  readonly cfg: StatementPolicyConfig;
  readonly preset: CompiledPolicy | null;
}

export function compileStatementPolicy(cfg: StatementPolicyConfig): StatementPolicy {
  return { cfg, preset: cfg.preset ? compilePreset(cfg) : null };
}

/** The consumer's groups plus those of the role its grant gives. */
function groupsWithGrant(cfg: StatementPolicyConfig, consumer: Consumer, grant: ActiveGrantFacts | null | undefined): string[] {
  if (!grant || !STATEMENT_ROLES.includes(grant.role)) return consumer.groups;
  const extra = cfg.roles[grant.role].filter((g) => !consumer.groups.includes(g));
  return extra.length ? [...consumer.groups, ...extra] : consumer.groups;
}

/** The decision document of a query: the consumer (with its grant's groups) and the `sql` section. */
/** One classified statement as the decision document's `sql.statements[]` entry (both doors that judge SQL use it). */
export function statementFacts(s: ClassifiedSql['statements'][number]): NonNullable<DecisionDocument['sql']>['statements'][number] {
  const st: NonNullable<DecisionDocument['sql']>['statements'][number] = { kind: s.kind, effect: s.effect, tables: s.tables, functions: s.functions, operations: s.operations, text: s.text };
  if (s.reason) st.reason = s.reason;
  return st;
}

export function statementDocument(sp: StatementPolicy, consumer: Consumer, classified: ClassifiedSql, ctx: StatementContext = {}): DecisionDocument {
  const doc = baseDocument('postgres', ctx.time ?? Date.now(), { ...consumer, groups: groupsWithGrant(sp.cfg, consumer, ctx.grant) }, ctx.key);
  const sql: NonNullable<DecisionDocument['sql']> = {
    statements: classified.statements.map(statementFacts),
  };
  if (ctx.database !== undefined) sql.database = ctx.database;
  if (ctx.params) sql.params = ctx.params;
  if (ctx.grant) sql.grant = { id: ctx.grant.id, role: ctx.grant.role, expires: ctx.grant.expires };
  doc.sql = sql;
  if (ctx.route !== undefined) doc.route = { id: ctx.route };
  if (ctx.connection) doc.connection = ctx.connection;
  if (ctx.session) doc.session = { id: ctx.session };
  return doc;
}

const deny = (rule: string, reason: string): Decision => ({ outcome: 'deny', rule, reason, status: 403 });

/**
 * An allow that looked at the statements: a CEL rule that reads `sql`, or OPA (which is sent
 * `input.warden.sql`). A default, an ACL entry or a rule such as `door == "postgres"` allows
 * the door, not a `SET ROLE` or a `DO` block.
 */
function explicitAllow(d: Decision, policy: CompiledPolicy): boolean {
  if (d.outcome !== 'allow' && d.outcome !== 'redact') return false;
  if (d.rule.startsWith('opa:')) return true;
  if (!d.rule.startsWith('rule:')) return false;
  // Rule ids read `rule:<policy>.<id>`; a policy name has no dot.
  const name = d.rule.slice('rule:'.length, d.rule.indexOf('.'));
  const r = policy.named.get(name)?.rules.find((x) => x.id === d.rule);
  return r !== undefined && r.sections.includes('sql');
}

function combine(policy: CompiledPolicy, classified: ClassifiedSql, preset: Decision | null, user: Decision): Decision {
  if (preset?.outcome === 'deny') return preset;
  if (user.outcome === 'deny') return user;
  const restricted = classified.statements.find((s) => s.effect === 'restricted');
  if (restricted && !explicitAllow(user, policy)) {
    return deny('sql:restricted', `${restricted.reason ?? `${restricted.kind} needs an explicit rule`}: no rule of the policy that reads sql allows it (docs/postgres-policy.md#restricted-statements)`);
  }
  if (preset?.outcome === 'ask') return preset;
  if (user.outcome === 'ask') return user;
  if (user.outcome !== 'allow' || !user.rule.startsWith('default:')) return user;
  return preset ?? user;
}

/**
 * The verdict for `classified` (from classifySql or SqlClassifier). Synchronous unless the
 * user's policy consults OPA for this request.
 */
export function decideStatements(sp: StatementPolicy, policy: CompiledPolicy, consumer: Consumer, classified: ClassifiedSql, ctx: StatementContext = {}): StatementVerdict | Promise<StatementVerdict> {
  return decideDocument(sp, policy, classified, statementDocument(sp, consumer, classified, ctx));
}

/** decideStatements on a document already built by statementDocument for `classified`. */
export function decideDocument(sp: StatementPolicy, policy: CompiledPolicy, classified: ClassifiedSql, doc: DecisionDocument): StatementVerdict | Promise<StatementVerdict> {
  const blocked = blockedReason(classified);
  // Threat: nothing a policy says can let the always-blocked list through (seed 002).
  if (blocked !== null) return { decision: deny(classified.refused ? `sql:${classified.refused.code}` : 'sql:blocked', blocked), doc };
  const preset = sp.preset ? (evaluate(sp.preset, doc) as Decision) : null;
  if (preset?.outcome === 'deny') return { decision: preset, doc };
  const user = evaluate(policy, doc);
  if (user instanceof Promise) return user.then((u) => ({ decision: combine(policy, classified, preset, u), doc }));
  return { decision: combine(policy, classified, preset, user), doc };
}
