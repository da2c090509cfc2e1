/**
 * The decision engine. Sources run in a fixed order — model scope, ACL, CEL rules,
 * permission rules, OPA — each over the policies attached at global, door, route and
 * consumer scope. Deny wins everywhere; then ask; then allow (with any redactions); when
 * nothing allows, the default decides. Only OPA is asynchronous: without an OPA source
 * the answer is returned synchronously.
 */
import { evaluateAcl } from './acl.js';
import { resolvePolicies, type CompiledPolicy, type Placed, type ResolvedPolicies, type ScopeName } from './compile.js';
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';
import { evaluateModelScope } from './model-scope.js';
import type { OpaSource } from './opa/client.js';
import { evaluatePermissionSource } from './permission-source.js';
import { celActivation, evaluateRule } from './rules.js';

export { compilePolicy, type CompiledPolicy, type RouteNamespace } from './compile.js';

export type SourceName = 'scope' | 'acl' | 'rules' | 'permissions' | 'opa' | 'default';

/** What one source said about the request (explain). */
export interface TraceStep {
  source: SourceName;
  scope: ScopeName | 'credential';
  policy: string;
  /** What is being evaluated: a rule id, an ACL, an OPA endpoint. */
  subject: string;
  said: Decision['outcome'] | 'none';
  decision?: Decision;
}

export interface Scopes {
  /** Consumer scope; defaults to `doc.consumer.name`. */
  consumer?: string;
  /** Route or backend scope; defaults to `doc.route.id`. */
  route?: string;
}

/** Votes gathered so far; deny short-circuits (except when tracing). */
interface Tally {
  deny: Decision | null;
  ask: Decision | null;
  allow: Decision | null;
  redact: Decision[] | null;
  upstreamHeaders: Record<string, string | null> | null;
}

function vote(t: Tally, d: Decision): void {
  switch (d.outcome) {
    case 'deny':
      t.deny ??= d;
      return;
    case 'ask':
      t.ask ??= d;
      return;
    case 'redact':
      (t.redact ??= []).push(d);
      return;
    case 'allow':
      t.allow ??= d;
      if (d.upstreamHeaders) t.upstreamHeaders = { ...d.upstreamHeaders, ...t.upstreamHeaders };
  }
}

function note(trace: TraceStep[] | undefined, source: SourceName, at: Placed<unknown> | null, subject: string, d: Decision | null): void {
  if (!trace) return;
  const step: TraceStep = { source, scope: at ? at.scope : 'credential', policy: at ? at.policy : '-', subject, said: d ? d.outcome : 'none' };
  if (d) step.decision = d;
  trace.push(step);
}

/** The synchronous sources. Returns the tally; with a deny and no trace it stops early. */
function runSync(set: ResolvedPolicies, doc: DecisionDocument, trace: TraceStep[] | undefined): Tally {
  const t: Tally = { deny: null, ask: null, allow: null, redact: null, upstreamHeaders: null };
  let d = evaluateModelScope(doc);
  note(trace, 'scope', null, 'key and consumer model globs', d);
  if (d) {
    vote(t, d);
    if (!trace) return t;
  }
  for (const a of set.acls) {
    d = evaluateAcl(a.item, doc);
    note(trace, 'acl', a, `acl:${a.policy}`, d);
    if (d) {
      vote(t, d);
      if (t.deny && !trace) return t;
    }
  }
  if (set.rules.length) {
    const activation = celActivation(doc, set.readsTime);
    for (const r of set.rules) {
      d = evaluateRule(r.item, activation, doc);
      note(trace, 'rules', r, r.item.id, d);
      if (d) {
        vote(t, d);
        if (t.deny && !trace) return t;
      }
    }
  }
  for (const p of set.permissions) {
    d = evaluatePermissionSource(p.item, doc);
    note(trace, 'permissions', p, `permission:${p.policy}`, d);
    if (d) {
      vote(t, d);
      if (t.deny && !trace) return t;
    }
  }
  return t;
}

function conclude(set: ResolvedPolicies, t: Tally, trace: TraceStep[] | undefined): Decision {
  let d: Decision;
  if (t.deny) d = t.deny;
  else if (t.ask) d = t.redact ? { ...t.ask, redact: unionRedact(t.redact) } : t.ask;
  else if (t.allow || set.default === 'allow') {
    const base = t.allow ?? defaultDecision(set);
    if (t.redact) {
      const first = t.redact[0]!;
      d = { outcome: 'redact', rule: first.rule, redact: unionRedact(t.redact), ...(first.reason ? { reason: first.reason } : {}) };
    } else d = base;
    if (t.upstreamHeaders) d = { ...d, upstreamHeaders: t.upstreamHeaders };
  } else d = defaultDecision(set);
  if (trace && (!t.deny && !t.ask && !t.allow)) note(trace, 'default', null, set.defaultRule, defaultDecision(set));
  return d;
}

function unionRedact(ds: readonly Decision[]): string[] {
  const s = new Set<string>();
  for (const d of ds) for (const x of d.redact ?? []) s.add(x);
  return [...s];
}

const defaults = new WeakMap<ResolvedPolicies, Decision>();
function defaultDecision(set: ResolvedPolicies): Decision {
  let d = defaults.get(set);
  if (!d) {
    d = Object.freeze(
      set.default === 'allow'
        ? ({ outcome: 'allow', rule: set.defaultRule } as Decision)
        : ({ outcome: 'deny', rule: set.defaultRule, status: 403, reason: 'no policy rule allows this request and the default is deny' } as Decision),
    );
    defaults.set(set, d);
  }
  return d;
}

async function runOpa(set: ResolvedPolicies, doc: DecisionDocument, t: Tally, trace: TraceStep[] | undefined): Promise<Decision> {
  const answers = await Promise.all(set.opas.map((o: Placed<OpaSource>) => o.item.decide(doc)));
  answers.forEach((d, i) => {
    const o = set.opas[i]!;
    note(trace, 'opa', o, `POST ${o.item.cfg.host}/v1/data/${o.item.cfg.policy}`, d);
    vote(t, d);
  });
  return conclude(set, t, trace);
}

function decide(p: CompiledPolicy, doc: DecisionDocument, scopes: Scopes | undefined, trace: TraceStep[] | undefined): Decision | Promise<Decision> {
  const set = resolvePolicies(p, doc.door, scopes?.route ?? doc.route?.id, scopes?.consumer ?? doc.consumer?.name);
  const t = runSync(set, doc, trace);
  // A synchronous deny saves the network call; explain still asks OPA to show what it says.
  if (set.opas.length && (!t.deny || trace)) return runOpa(set, doc, t, trace);
  return conclude(set, t, trace);
}

/**
 * Decides one request. Returns a Promise only when an OPA source applies to it. The
 * returned decision may be shared between requests: do not mutate it.
 */
export function evaluate(p: CompiledPolicy, doc: DecisionDocument, scopes?: Scopes): Decision | Promise<Decision> {
  return decide(p, doc, scopes, undefined);
}

/** Like evaluate, but every source runs and reports what it said (`warden policy explain`). */
export async function evaluateTraced(p: CompiledPolicy, doc: DecisionDocument, scopes?: Scopes): Promise<{ decision: Decision; trace: TraceStep[] }> {
  const trace: TraceStep[] = [];
  const decision = await decide(p, doc, scopes, trace);
  return { decision, trace };
}
