/**
 * A session's statement policy, glued from the statement classifier (sql/), the decision in
 * the shared engine (policy/) and the approvals gate: decisions cached by exact text per
 * session; an `ask` resolved at execution with the Bind parameters, so the approval is bound
 * to the exact text, parameters, database and consumer, and marked executed (by this session)
 * when the statement runs — a replay is told so, naming it.
 */
import { createHash } from 'node:crypto';
import { resolveAsk, type GateOptions } from '../../approvals/gate.js';
import { fingerprint } from '../../approvals/fingerprint.js';
import type { Approval, ApprovalStore } from '../../approvals/types.js';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import type { Decision } from '../../policy/decision.js';
import type { CompiledPolicy } from '../../policy/engine.js';
import type { ResultMasker } from './mask/index.js';
import { decideStatements, SessionDecisionCache, type ActiveGrantFacts, type StatementContext, type StatementPolicy as CompiledStatementPolicy, type StatementVerdict as EngineVerdict } from './policy/index.js';
import type { StatementPolicy, StatementVerdict } from './ports.js';
import type { ClassifiedSql, SqlClassifier } from './sql/index.js';

export interface StatementPolicyDeps {
  classifier: SqlClassifier;
  statements: () => CompiledStatementPolicy;
  policy: () => CompiledPolicy;
  approvals: ApprovalStore;
  gate: () => Omit<GateOptions, 'now'>;
  consumer: Consumer;
  key: KeyInfo | undefined;
  database: string;
  /** `route.id` of the decision document: the database the client named. */
  route?: string;
  grant: ActiveGrantFacts | null;
  remote: string;
  session: string;
  masker: ResultMasker | undefined;
}

/**
 * The approver reads parameter values; one that is not UTF-8 text is shown (and bound) by its
 * SHA-256. A binary-format value is never shown as text: the server reads its bytes by the
 * parameter's type (the bytes `1234` of an int4 are 825373492), so it is bound as `binary:` and
 * its hex (threat: an approval read as `1234` running with another value).
 */
function paramText(p: Buffer | null, binary: boolean): string | null {
  if (p === null) return null;
  if (binary) return p.length <= 64 ? `binary:${p.toString('hex')}` : `binary:sha256:${createHash('sha256').update(p).digest('hex')}`;
  const s = p.toString('utf8');
  return Buffer.from(s, 'utf8').equals(p) && !s.includes('\0') ? s : `sha256:${createHash('sha256').update(p).digest('hex')}`;
}

/** Bind's format codes: none → all text, one → all parameters, else one per parameter. */
const isBinary = (formats: readonly number[], i: number) => (formats.length === 1 ? formats[0] : formats[i]) === 1;

/** Final verdicts by a key, each valid while the statement policy and the policy are the same objects; the oldest of 64 goes first. */
class KeptVerdicts {
  private readonly map = new Map<string, { sp: CompiledStatementPolicy; policy: CompiledPolicy; verdict: StatementVerdict }>();
  get(key: string, sp: CompiledStatementPolicy, policy: CompiledPolicy): StatementVerdict | undefined {
    const e = this.map.get(key);
    return e && e.sp === sp && e.policy === policy ? e.verdict : undefined;
  }
  set(key: string, sp: CompiledStatementPolicy, policy: CompiledPolicy, verdict: StatementVerdict): void {
    if (this.map.size >= 64) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, { sp, policy, verdict });
  }
}

export function createStatementPolicy(deps: StatementPolicyDeps): StatementPolicy {
  const cache = new SessionDecisionCache();
  const ctx = (params?: (string | null)[]): StatementContext => ({
    database: deps.database,
    ...(deps.route !== undefined && { route: deps.route }),
    ...(deps.key && { key: deps.key }),
    grant: deps.grant,
    connection: { remote_addr: deps.remote, remote_port: 0, server_addr: '', server_port: 0 },
    session: deps.session,
    ...(params && { params }),
  });
  const asked = new WeakMap<StatementVerdict, ClassifiedSql>();

  const toVerdict = (c: ClassifiedSql, v: EngineVerdict): StatementVerdict => {
    const d = v.decision;
    const out: StatementVerdict = {
      outcome: d.outcome === 'redact' ? 'allow' : d.outcome,
      rule: d.rule,
      reason: d.reason ?? (d.outcome === 'deny' ? 'denied by policy' : ''),
      kinds: c.statements.map((s) => s.kind),
    };
    if (d.approval) out.approval = d.approval;
    if (d.reviewUrl) out.reviewUrl = d.reviewUrl;
    if (out.outcome === 'ask') asked.set(out, c);
    // COPY … TO STDOUT: decided here whether its rows can be masked; a refusal refuses the statement.
    if (deps.masker && out.outcome !== 'deny') {
      for (const s of c.statements) {
        if (s.copy?.direction !== 'to') continue;
        const plan = deps.masker.copyOut(s.copy, s.tables);
        if ('refuse' in plan) return { outcome: 'deny', rule: 'mask:copy', reason: plan.refuse, kinds: out.kinds };
        (out.copyOut ??= []).push(plan.masker);
      }
    }
    return out;
  };

  // Drivers send the same few texts again and again (every `-M extended` round trip parses
  // its statement anew): a text's final verdict, kept while the policy objects are the same.
  // Only plain allow/deny verdicts: an ask is bound to its approval, COPY maskers hold state.
  const recent = new KeptVerdicts();
  // `-M simple`: every text is new, but a text classified by its shape carries the shape's
  // facts key (one string per shape). A verdict the decision cache answered by those facts
  // (deciding read no text, no OPA, no time, no parameters) holds for every text of the shape:
  // kept here by that key, it skips building the context and the document per text.
  const byShape = new KeptVerdicts();

  return {
    check(sql) {
      const sp = deps.statements();
      const policy = deps.policy();
      const hit = recent.get(sql, sp, policy);
      if (hit) return hit;
      const seen = deps.classifier.cache.hits;
      const c = deps.classifier.classify(sql);
      const shape = c.factsKey;
      if (shape !== undefined) {
        const s = byShape.get(shape, sp, policy);
        if (s) return s;
      }
      const repeated = deps.classifier.cache.hits > seen;
      const hits = cache.hits + cache.factHits;
      const factHits = cache.factHits;
      const v = cache.decide(sp, policy, deps.consumer, c, ctx());
      if (v instanceof Promise) return v.then((x) => toVerdict(c, x));
      const verdict = toVerdict(c, v);
      if (verdict.outcome === 'ask' || verdict.copyOut) return verdict;
      if (shape !== undefined && cache.factHits > factHits) byShape.set(shape, sp, policy, verdict);
      // Kept from its second sighting on (the text classified before, the decision a cache hit, so cacheable): texts seen once (`-M simple`'s literals) stay out.
      if (repeated && cache.hits + cache.factHits > hits && sql.length <= 4096) recent.set(sql, sp, policy, verdict);
      return verdict;
    },
    async approve(sql, params, first, formats = []) {
      const c = asked.get(first) ?? deps.classifier.classify(sql);
      // Decided again with the parameters: the approval's facts are the text, the values, the database and the consumer.
      const v = await decideStatements(deps.statements(), deps.policy(), deps.consumer, c, ctx(params.map((p, i) => paramText(p, isBinary(formats, i)))));
      let d: Decision = v.decision;
      if (d.outcome !== 'ask') return toVerdict(c, v);
      const now = Date.now();
      d = await resolveAsk(deps.approvals, d, v.doc, { ...deps.gate(), now });
      let ranBefore: Approval | undefined;
      // One approval, one execution: the first to mark it executed runs; everyone after is told so.
      // Losing the race looks again (another approved one may be live), a bounded number of times.
      for (let tries = 0; (d.outcome === 'allow' || d.outcome === 'redact') && d.approval; tries++) {
        if (tries === 3) {
          d = { outcome: 'deny', rule: v.decision.rule, reason: 'other sessions executed the approvals of this statement meanwhile; send it again' };
          break;
        }
        const ran = await deps.approvals.execute(d.approval, deps.session, now, 'postgres');
        if (ran) return { ...toVerdict(c, { decision: d, doc: v.doc }), executed: { approval: ran.id, at: ran.executedAt ?? now } };
        ranBefore = await deps.approvals.get(d.approval);
        d = await resolveAsk(deps.approvals, v.decision, v.doc, { ...deps.gate(), now: Date.now() });
      }
      const out = toVerdict(c, { decision: d, doc: v.doc });
      if (d.outcome === 'ask' || ranBefore) {
        // A replay of a statement whose approval already ran: the error names that approval (and the new one it asks).
        ranBefore = ranBefore?.status === 'executed' ? ranBefore : await deps.approvals.findExecuted(deps.consumer.name, fingerprint(v.doc, v.decision.rule), now);
        if (ranBefore?.executedAt != null) out.alreadyExecuted = { approval: ranBefore.id, at: ranBefore.executedAt, by: ranBefore.executedBy };
      }
      return out;
    },
  };
}
