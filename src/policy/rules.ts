/**
 * CEL rule source. Expressions are parsed and type-checked once at config load (an error
 * names the rule's config path); a request only runs the compiled closures against a
 * lazily-built activation over the decision document.
 */
import { Environment } from '@marcbachmann/cel-js';
import { patternProblems, variablesOf } from './cel-ast.js';
import { fieldProblems } from './cel-fields.js';
import type { RuleConfig } from './config.js';
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';

/** Variables a rule can read: the sections of the decision document. */
export const CEL_VARIABLES = ['door', 'time', 'consumer', 'key', 'request', 'connection', 'route', 'service', 'llm', 'tool', 'sql', 'session'] as const;

// Building an Environment is the expensive part of cel-js: one per process.
const env = new Environment({ homogeneousAggregateLiterals: false, limits: { maxAstNodes: 2000, maxDepth: 64 } });
env.registerVariable('door', 'string');
env.registerVariable('time', 'google.protobuf.Timestamp');
for (const v of CEL_VARIABLES) if (v !== 'door' && v !== 'time') env.registerVariable(v, 'dyn');

/**
 * The activation cel-js reads variables from (by property access): the document itself,
 * whose keys are exactly the CEL variables — plain data properties keep lookups fast. Only
 * when a rule reads `time` is a copy made with `time` as a timestamp.
 */
export type CelActivation = Readonly<Record<string, unknown>>;

export function celActivation(doc: DecisionDocument, readsTime: boolean): CelActivation {
  return readsTime ? { ...doc, time: new Date(doc.time) } : doc;
}

/**
 * Sections a door may not have at all (postgres has no HTTP request, http has no tool call).
 * consumer and key are not among them: an identity that is missing must fail closed.
 */
const OPTIONAL_SECTIONS = ['request', 'connection', 'route', 'service', 'llm', 'tool', 'sql', 'session'] as const;
type OptionalSection = (typeof OPTIONAL_SECTIONS)[number];

export interface CompiledRule {
  readonly id: string;
  readonly action: RuleConfig['action'];
  readonly source: string;
  readonly failClosed: boolean;
  /** Door-dependent sections the rule reads (request, tool, sql, …): when one is absent, an error means "does not apply". */
  readonly sections: readonly OptionalSection[];
  readonly readsTime: boolean;
  /** Reads `request.body`: a request without a body does not fall under it (a body without the field does). */
  readonly readsBody: boolean;
  readonly run: (activation: CelActivation) => unknown;
  /** The decision returned when the rule matches (shared and frozen: no allocation per request). */
  readonly decision: Readonly<Decision>;
}

function matchedDecision(r: RuleConfig, id: string): Decision {
  switch (r.action) {
    case 'deny':
      return { outcome: 'deny', rule: id, reason: r.reason ?? `denied by rule ${r.id}`, status: r.status ?? 403 };
    case 'allow':
      return { outcome: 'allow', rule: id };
    case 'ask':
      return { outcome: 'ask', rule: id, ...(r.reason ? { reason: r.reason } : {}), approvers: r.approvers };
    case 'redact':
      return { outcome: 'redact', rule: id, ...(r.reason ? { reason: r.reason } : {}), redact: r.redact };
  }
}

function firstLine(e: unknown): string {
  const err = e as { summary?: string; message?: string };
  return String(err.summary ?? err.message ?? e).split('\n')[0]!;
}

/** Compiles the rules of one policy; problems are pushed with their config path. */
export function compileRules(rules: readonly RuleConfig[], policy: string, path: string, problems: string[]): CompiledRule[] {
  const out: CompiledRule[] = [];
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (seen.has(r.id)) problems.push(`${at}.id: rule id "${r.id}" is used twice in this policy`);
    seen.add(r.id);
    if (r.action === 'redact' && r.redact.length === 0) problems.push(`${at}.redact: a redact rule names the guard detectors that must redact`);
    let parsed: ReturnType<typeof env.parse>;
    try {
      parsed = env.parse(r.when);
    } catch (e) {
      problems.push(`${at}.when: CEL syntax error: ${firstLine(e)}`);
      return;
    }
    const checked = parsed.check();
    if (!checked.valid) {
      problems.push(`${at}.when: CEL type error: ${firstLine(checked.error)} (variables: ${CEL_VARIABLES.join(', ')})`);
      return;
    }
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      problems.push(`${at}.when: the expression must be a condition (bool), it yields ${checked.type}`);
      return;
    }
    const bad = [...fieldProblems(parsed.ast), ...patternProblems(parsed.ast)];
    if (bad.length) {
      for (const b of bad) problems.push(`${at}.when: ${b}`);
      return;
    }
    const id = `rule:${policy}.${r.id}`;
    const used = variablesOf(parsed.ast);
    out.push({
      id,
      action: r.action,
      source: r.when,
      // An allow rule that fails never grants; other rules fail closed unless told to skip.
      failClosed: r.action !== 'allow' && r.on_error === 'deny',
      sections: OPTIONAL_SECTIONS.filter((v) => used.has(v)),
      readsTime: used.has('time'),
      readsBody: /\brequest\s*\.\s*body\b/.test(r.when),
      run: parsed as unknown as (a: CelActivation) => unknown,
      decision: Object.freeze(matchedDecision(r, id)),
    });
  });
  return out;
}

/** The outcome of one rule: its decision, null (not matched), or a fail-closed deny. */
export function evaluateRule(rule: CompiledRule, activation: CelActivation, doc: DecisionDocument): Decision | null {
  let value: unknown;
  try {
    value = rule.run(activation);
  } catch (e) {
    // `request.path…` at the hook door, `tool.name…` at the http door: the rule is about
    // something this request does not have, so it does not apply.
    if (!rule.failClosed || absentSection(rule, doc)) return null;
    return ruleFailure(rule, firstLine(e));
  }
  if (value === true) return rule.decision;
  if (value === false) return null;
  return rule.failClosed ? ruleFailure(rule, `the expression yielded ${typeof value}, not a bool`) : null;
}

function absentSection(rule: CompiledRule, doc: DecisionDocument): boolean {
  for (const s of rule.sections) if (doc[s] === null || doc[s] === undefined) return true;
  return rule.readsBody && (doc.request?.body === undefined || doc.request.body === null);
}

function ruleFailure(rule: CompiledRule, why: string): Decision {
  // Threat: a request crafted to make a deny rule error out (a missing field) must not pass.
  return { outcome: 'deny', rule: rule.id, reason: `policy rule ${rule.id} could not be evaluated: ${why}`, status: 403 };
}

/** True when a rule reads the request body, so doors only parse bodies when a policy needs them. */
export function rulesReadBody(rules: readonly CompiledRule[]): boolean {
  return rules.some((r) => r.readsBody || /\bbody\b/.test(r.source));
}
