import { WardenError } from '../../../core/errors.js';
import type { Detector, Finding } from '../types.js';
import { AGENT_RULES, RULE_REFINEMENTS } from './agent-rules.js';
import { Allowlist } from './allowlist.js';
import { CompiledRule } from './compiled-rule.js';
import { SecretEngine } from './engine.js';
import { DETECTOR_ID, type FindingPolicy } from './match-to-finding.js';
import { OPEN_SPECS, OpenMatchFinder } from './open-matches.js';
import { GITLEAKS_GLOBAL_ALLOWLIST } from './rules/gitleaks-global.js';
import { GITLEAKS_RULES } from './rules/gitleaks.js';
import type { SecretRuleData } from './rule-types.js';

export type { SecretRuleData } from './rule-types.js';

export interface SecretDetectorOptions {
  /** Rule ids to switch off (ids from listSecretRules()). An unknown id throws. */
  disabledRules?: readonly string[];
  /** Minimum Shannon entropy of the secret, per rule id, replacing the rule's own; 0 turns the check off. */
  entropyOverride?: Readonly<Record<string, number>>;
}

/**
 * Hold-back for an unbounded rule without an open-match spec (none today: a test checks),
 * so such a rule added later still gets a window. Bounded rules match ≤ 1020 characters;
 * the long ones are held from their start for as long as they may continue (open-matches.ts).
 */
export const MAX_HOLD_BACK = 1024;

let shared: { rules: readonly CompiledRule[]; global: Allowlist } | undefined;

/** Compiled once per process, on first use: ~230 regexes and their allowlists. */
function compiled(): { rules: readonly CompiledRule[]; global: Allowlist } {
  shared ??= {
    rules: allRuleData().map((d) => new CompiledRule(d)),
    global: Allowlist.global(GITLEAKS_GLOBAL_ALLOWLIST),
  };
  return shared;
}

/*
 * gitleaks ends most "name = value" rules with a quote, white space, `;` or end of line. In
 * agent traffic a token is as often followed by `@host` (.git-credentials, URLs), `&` (query
 * strings), an escaped quote (JSON in JSON), `,` `)` `]` `}` `>` `|` (code, logs, tables). None of
 * these can continue a token, so accepting them keeps a longer run from matching as a prefix.
 */
const GITLEAKS_END = /\(\?:\[\\t\\n\\f\\r "';\\x60\]\|\\\\\[(?:NRnr|nr)\]\|\$\)/g;
const WIDER_END = String.raw`(?:[\t\n\f\r "';\x60&@,)\]}<>|]|\\|$)`;

export function widenTokenEnd(regex: string): string {
  return regex.replace(GITLEAKS_END, WIDER_END);
}

/** Every rule as the engine runs it: ported (refined, token ends widened) and Warden's own. */
export function allRuleData(): SecretRuleData[] {
  const ported = GITLEAKS_RULES.map((r) => (RULE_REFINEMENTS[r.id] ? { ...r, ...RULE_REFINEMENTS[r.id] } : r)).map((r) => ({ ...r, regex: widenTokenEnd(r.regex) }));
  const ids = new Set(ported.map((r) => r.id));
  return [...ported, ...AGENT_RULES.filter((r) => !ids.has(r.id))];
}

export function listSecretRules(): { id: string; description: string }[] {
  return compiled().rules.map((r) => ({ id: r.id, description: r.data.description }));
}

export function createSecretDetector(opts: SecretDetectorOptions = {}): Detector {
  const { rules: all, global } = compiled();
  const known = new Set(all.map((r) => r.id));
  const unknown = [...(opts.disabledRules ?? []), ...Object.keys(opts.entropyOverride ?? {})].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new WardenError('WARDEN_E_CONFIG_INVALID', `unknown secret rule id(s): ${unknown.join(', ')} (see listSecretRules())`);
  }
  const disabled = new Set(opts.disabledRules ?? []);
  const rules = all.filter((r) => !disabled.has(r.id));
  const overrides = opts.entropyOverride ?? {};
  const policy: FindingPolicy = {
    globalAllowlist: global,
    minEntropy: (rule) => overrides[rule.id] ?? rule.data.entropy ?? 0,
  };
  const engine = new SecretEngine(rules, policy);
  const open = new OpenMatchFinder(rules);
  const bounded = rules.filter((r) => !OPEN_SPECS[r.id]).map((r) => (r.data.maxLength < 0 ? MAX_HOLD_BACK : r.data.maxLength));
  return {
    id: DETECTOR_ID,
    maxMatchLength: Math.max(open.anchorSpan, ...bounded),
    detect: (text: string): Finding[] => engine.detect(text),
    openMatches: (text: string, from: number, truncatedOnly?: boolean) => open.find(text, from, truncatedOnly),
  };
}
