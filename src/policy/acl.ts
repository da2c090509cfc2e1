/**
 * ACL source: allow and deny by consumer name, group and label, with APISIX semantics —
 * deny is checked first, an allow list refuses everyone not on it, no consumer → 401.
 * Lookup sets are built once at load so a check is a few Set lookups.
 */
import type { AclConfig } from './config.js';
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';

interface Matcher {
  consumers: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  labels: ReadonlyArray<readonly [string, ReadonlySet<string>]>;
}

export interface CompiledAcl {
  readonly policy: string;
  readonly deny: Matcher | null;
  readonly allow: Matcher | null;
  readonly status: number;
  readonly message: string;
}

type MatchInput = NonNullable<AclConfig['allow']>;

function compileMatcher(m: MatchInput | undefined): Matcher | null {
  if (!m) return null;
  if (Array.isArray(m)) return { consumers: new Set(m), groups: new Set(), labels: [] };
  return {
    consumers: new Set(m.consumers),
    groups: new Set(m.groups),
    labels: Object.entries(m.labels).map(([k, vs]) => [k, new Set(vs)] as const),
  };
}

export function compileAcl(cfg: AclConfig, policy: string): CompiledAcl {
  return {
    policy,
    deny: compileMatcher(cfg.deny),
    allow: compileMatcher(cfg.allow),
    status: cfg.rejected_code,
    message: cfg.rejected_msg ?? 'The consumer is forbidden.',
  };
}

type ConsumerFacts = NonNullable<DecisionDocument['consumer']>;

/** Which part of the matcher the consumer hits (`consumers`, `groups`, `labels.level`), or null. */
function match(m: Matcher, c: ConsumerFacts): string | null {
  if (m.consumers.has(c.name)) return 'consumers';
  if (m.groups.size) for (const g of c.groups) if (m.groups.has(g)) return 'groups';
  for (const [k, values] of m.labels) {
    const v = c.labels[k];
    if (v !== undefined && values.has(v)) return `labels.${k}`;
  }
  return null;
}

export function evaluateAcl(acl: CompiledAcl, doc: DecisionDocument): Decision | null {
  const c = doc.consumer;
  if (!c) {
    // Threat: an ACL on an unauthenticated path must not read as "not on the deny list".
    return { outcome: 'deny', rule: `acl:${acl.policy}`, reason: 'Missing authentication.', status: 401, code: 'WARDEN_E_AUTH_MISSING' };
  }
  if (acl.deny) {
    const hit = match(acl.deny, c);
    if (hit) return { outcome: 'deny', rule: `acl:${acl.policy}.deny.${hit}`, reason: acl.message, status: acl.status };
  }
  if (acl.allow) {
    const hit = match(acl.allow, c);
    if (!hit) return { outcome: 'deny', rule: `acl:${acl.policy}.allow`, reason: acl.message, status: acl.status };
    return { outcome: 'allow', rule: `acl:${acl.policy}.allow.${hit}` };
  }
  return null;
}
