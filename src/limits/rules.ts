/**
 * Compiles `limits.rules` once: which rules apply to an exchange, and which counter
 * (subject) each one charges. Scope `team` charges one counter per matching group.
 */
import { createHash } from 'node:crypto';
import { matchesAny } from '../identity/glob.js';
import type { LimitRule, LimitScope } from './config.js';

export interface LimitSubjectContext {
  keyId: string;
  consumer: { name: string; groups: readonly string[]; labels: Readonly<Record<string, string>> };
  sessionId?: string | undefined;
  model: string;
}

export interface CompiledRule {
  rule: LimitRule;
  /** Counters this exchange charges under the rule; empty when the rule does not apply. */
  subjects(ctx: LimitSubjectContext): string[];
}

const SAFE_SUBJECT = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Session ids are chosen by the client: anything unusual is hashed so a hostile value
 * cannot bloat counter keys or smuggle separators into them (threat: key-space abuse).
 */
export function subjectOf(raw: string): string {
  return SAFE_SUBJECT.test(raw) ? raw : `h.${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}

function applies(rule: LimitRule, ctx: LimitSubjectContext): boolean {
  const m = rule.match;
  if (!m) return true;
  if (m.consumers && !matchesAny(ctx.consumer.name, m.consumers)) return false;
  if (m.groups && !m.groups.some((g) => ctx.consumer.groups.includes(g))) return false;
  if (m.models && !matchesAny(ctx.model, m.models)) return false;
  if (m.labels) for (const [k, v] of Object.entries(m.labels)) if (ctx.consumer.labels[k] !== v) return false;
  return true;
}

const NONE: string[] = [];
const GLOBAL = ['all'];

function subjectsFor(scope: LimitScope, rule: LimitRule, ctx: LimitSubjectContext): string[] {
  switch (scope) {
    case 'key':
      return [subjectOf(ctx.keyId)];
    case 'consumer':
      return [subjectOf(ctx.consumer.name)];
    case 'team': {
      const only = rule.match?.groups;
      return ctx.consumer.groups.filter((g) => !only || only.includes(g)).map(subjectOf);
    }
    case 'session':
      // Without a session id the rule has nothing to count; per-key rules still apply.
      return ctx.sessionId ? [subjectOf(ctx.sessionId)] : NONE;
    case 'global':
      return GLOBAL;
  }
}

export function compileRules(rules: readonly LimitRule[]): CompiledRule[] {
  return rules.map((rule) => ({
    rule,
    subjects: (ctx) => (applies(rule, ctx) ? subjectsFor(rule.scope, rule, ctx) : NONE),
  }));
}

/** `per-key-rpm:r:key:key_abc`: rule and kind first, subject last, so no subject can collide with another key's shape. */
export function counterKey(ruleId: string, kind: string, scope: LimitScope, subject: string): string {
  return `${ruleId}:${kind}:${scope}:${subject}`;
}

/** How a scope and subject read in messages: "key key_abc", "team platform", "everyone". */
export function describeSubject(scope: LimitScope, subject: string): string {
  return scope === 'global' ? 'everyone' : `${scope} ${subject}`;
}
