/**
 * Decisions cached per session. A session has one consumer, key and connection, so only the
 * statements, the database, the grant and the policy version can change a decision — unless
 * a rule reads `time`, asks OPA or the statement has bind parameters: those decisions are
 * never cached.
 *
 * Two keys. The exact text (a driver repeating its statements). And the statements' facts —
 * the `sql.statements[]` entries without their `text` (kind, effect, tables, functions,
 * operations, reason) — when deciding did not read any statement's text: with `pgbench -M
 * simple` every literal differs, so every text is new, but its facts are not. A decision is
 * a pure function of the document the engine read; whether it read a text is not guessed
 * from the rules' source but observed: while the engine decides, each statement's `text` is
 * an accessor that notes being read (any CEL use of it — `s.text`, `"text" in s`, comparing
 * whole statements, iterating a statement's values — goes through it). A decision that read
 * a text is kept by exact text only.
 */
import type { Consumer } from '../../../core/exchange.js';
import { resolvePolicies } from '../../../policy/compile.js';
import type { DecisionDocument } from '../../../policy/document.js';
import type { CompiledPolicy } from '../../../policy/engine.js';
import { BoundedCache } from '../sql/cache.js';
import { factsKey, type ClassifiedSql } from '../sql/index.js';
import { decideDocument, statementDocument, type StatementContext, type StatementPolicy, type StatementVerdict } from './decide.js';

interface FactsEntry {
  verdict: StatementVerdict;
}

/** Makes every statement text of `doc` an accessor that records being read; `restore` turns them back into plain values. */
function watchTexts(doc: DecisionDocument): { read: boolean; restore(): void } {
  const statements = doc.sql?.statements ?? [];
  const texts = statements.map((st) => st.text);
  const w = {
    read: false,
    restore() {
      statements.forEach((st, i) => Object.defineProperty(st, 'text', { value: texts[i], enumerable: true, writable: true, configurable: true }));
    },
  };
  statements.forEach((st, i) =>
    Object.defineProperty(st, 'text', {
      enumerable: true,
      configurable: true,
      get() {
        w.read = true;
        return texts[i];
      },
    }),
  );
  return w;
}

export class SessionDecisionCache {
  private readonly cache: BoundedCache<StatementVerdict>;
  private readonly byFacts: BoundedCache<FactsEntry>;
  private policy: CompiledPolicy | null = null;
  private sp: StatementPolicy | null = null;
  /** Decisions answered by the statements' facts (a text not seen before). */
  factHits = 0;

  constructor(entries = 1000, chars = 1024 * 1024) {
    this.cache = new BoundedCache(entries, chars);
    this.byFacts = new BoundedCache(entries, chars);
  }

  /** Decisions answered by exact text. */
  get hits(): number {
    return this.cache.hits;
  }

  /** decideStatements, answered from the cache when the same text — or the same facts, if deciding read no text — was decided under the same policy and grant. */
  decide(sp: StatementPolicy, policy: CompiledPolicy, consumer: Consumer, classified: ClassifiedSql, ctx: StatementContext = {}): StatementVerdict | Promise<StatementVerdict> {
    if (policy !== this.policy || sp !== this.sp) {
      // A reload retires every cached decision.
      this.cache.clear();
      this.byFacts.clear();
      this.policy = policy;
      this.sp = sp;
    }
    const set = resolvePolicies(policy, 'postgres', ctx.route, consumer.name);
    const cacheable = !ctx.params && set.opas.length === 0 && !set.readsTime;
    if (!cacheable) return decideDocument(sp, policy, classified, statementDocument(sp, consumer, classified, ctx));
    const context = `${ctx.grant?.id ?? ''}\u0000${ctx.grant?.role ?? ''}\u0000${ctx.database ?? ''}\u0000${ctx.route ?? ''}\u0000`;
    // A refused text (syntax, size) has no statement facts: it is decided (denied) by itself.
    const fkey = classified.refused ? undefined : context + factsKey(classified);
    // The facts first: an entry there is a decision that read no text, so it holds for this text too.
    if (fkey !== undefined) {
      const f = this.byFacts.get(fkey);
      if (f) {
        this.factHits++;
        return { decision: f.verdict.decision, doc: statementDocument(sp, consumer, classified, ctx) };
      }
    }
    const key = context + classified.text;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const doc = statementDocument(sp, consumer, classified, ctx);
    const watch = watchTexts(doc);
    let v: StatementVerdict | Promise<StatementVerdict>;
    try {
      v = decideDocument(sp, policy, classified, doc);
    } finally {
      watch.restore();
    }
    if (v instanceof Promise) return v;
    this.cache.set(key, v);
    if (fkey !== undefined && !watch.read) this.byFacts.set(fkey, { verdict: v });
    return v;
  }
}
