/**
 * Decisions cached per session by exact statement text. A session has one consumer, key and
 * connection, so only the text, the database, the grant and the policy version can change
 * a decision — unless a rule reads `time`, asks OPA or the statement has bind parameters:
 * those decisions are never cached.
 */
import type { Consumer } from '../../../core/exchange.js';
import { resolvePolicies } from '../../../policy/compile.js';
import type { CompiledPolicy } from '../../../policy/engine.js';
import { BoundedCache } from '../sql/cache.js';
import type { ClassifiedSql } from '../sql/index.js';
import { decideStatements, type StatementContext, type StatementPolicy, type StatementVerdict } from './decide.js';

export class SessionDecisionCache {
  private readonly cache: BoundedCache<StatementVerdict>;
  private policy: CompiledPolicy | null = null;
  private sp: StatementPolicy | null = null;

  constructor(entries = 1000, chars = 1024 * 1024) {
    this.cache = new BoundedCache(entries, chars);
  }

  get hits(): number {
    return this.cache.hits;
  }

  /** decideStatements, answered from the cache when the same text was decided under the same policy and grant. */
  decide(sp: StatementPolicy, policy: CompiledPolicy, consumer: Consumer, classified: ClassifiedSql, ctx: StatementContext = {}): StatementVerdict | Promise<StatementVerdict> {
    if (policy !== this.policy || sp !== this.sp) {
      // A reload retires every cached decision.
      this.cache.clear();
      this.policy = policy;
      this.sp = sp;
    }
    const set = resolvePolicies(policy, 'postgres', ctx.route, consumer.name);
    const cacheable = !ctx.params && set.opas.length === 0 && !set.readsTime;
    const key = cacheable ? `${ctx.grant?.id ?? ''}\u0000${ctx.grant?.role ?? ''}\u0000${ctx.database ?? ''}\u0000${ctx.route ?? ''}\u0000${classified.text}` : '';
    if (cacheable) {
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    const v = decideStatements(sp, policy, consumer, classified, ctx);
    if (cacheable && !(v instanceof Promise)) this.cache.set(key, v);
    return v;
  }
}
