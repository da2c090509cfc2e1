import { RE2JS } from 're2js';
import { Allowlist } from './allowlist.js';
import type { SecretRuleData } from './rule-types.js';

/** How a rule runs: V8 at anchor hits, V8 over the whole text, or re2js near anchor hits. */
export type ScanMode = 'anchored' | 'fragment' | 'linear';

/**
 * A rule ready to run: regexes compiled once, allowlists built, scan mode decided.
 * Shared by every detector instance (the regexes are only used synchronously, with
 * lastIndex set before each exec, so sharing is safe).
 */
export class CompiledRule {
  readonly id: string;
  readonly mode: ScanMode;
  /** anchored: sticky regex tried at each anchor hit. */
  readonly sticky: RegExp | null;
  /** fragment: global regex run over the whole text when a keyword occurs (no anchors). */
  readonly scanAll: RegExp | null;
  /** linear: the same pattern on re2js, run over windows from the anchor hits. */
  readonly linear: RE2JS | null;
  /** Sticky with indices: re-run at a known match start to learn group offsets. */
  readonly withIndices: RegExp;
  /** Every anchor contains a keyword, so a hit already satisfies gitleaks' keyword test. */
  readonly keywordsImplied: boolean;
  /** Code units between the match start and its anchor. */
  readonly anchorOffset: number;
  /** The pattern opens with `\b`: a hit without a word boundary can be skipped before exec. */
  readonly wordStart: boolean;
  readonly allowlists: readonly Allowlist[];
  /** gitleaks keeps a generic finding only where no specific rule found the same secret. */
  readonly generic: boolean;

  constructor(readonly data: SecretRuleData) {
    this.id = data.id;
    const flags = data.flags;
    if (data.engine === 're2' && !data.anchors) throw new Error(`${data.id}: re2 rules need anchors`);
    this.mode = data.engine === 're2' ? 'linear' : data.anchors ? 'anchored' : 'fragment';
    this.sticky = this.mode === 'anchored' ? new RegExp(data.regex, flags + 'y') : null;
    this.scanAll = this.mode === 'fragment' ? new RegExp(data.regex, flags + 'g') : null;
    this.linear = this.mode === 'linear' ? RE2JS.compile(data.regex, flags === 'i' ? RE2JS.CASE_INSENSITIVE : 0) : null;
    this.withIndices = new RegExp(data.regex, flags + 'dy');
    this.keywordsImplied = this.mode !== 'fragment' && data.anchors!.every((a) => data.keywords.some((k) => a.includes(k)));
    this.anchorOffset = data.anchorOffset ?? 0;
    this.wordStart = startsWithWordBoundary(data.regex);
    this.allowlists = (data.allowlists ?? []).map(Allowlist.fromData);
    this.generic = data.id.includes('generic');
  }
}

/** True when every match must begin at `\b` (the source opens with it, outside any alternation). */
export function startsWithWordBoundary(source: string): boolean {
  let i = 0;
  while (source.startsWith('(', i) && !source.startsWith('(?', i)) i++;
  if (!source.startsWith('\\b', i)) return false;
  let depth = 0;
  let inClass = false;
  for (let j = 0; j < source.length; j++) {
    const ch = source[j];
    if (ch === '\\') { j++; continue; }
    if (inClass) { if (ch === ']') inClass = false; continue; }
    if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    // An alternative at the level of the leading `\b` (or above) could start anywhere.
    else if (ch === '|' && depth <= i) return false;
  }
  return true;
}

/** `\b` holds at `pos`: exactly one of the two neighbouring code units is a word character. */
export function wordBoundaryAt(text: string, pos: number): boolean {
  return isWordUnit(pos > 0 ? text.charCodeAt(pos - 1) : -1) !== isWordUnit(pos < text.length ? text.charCodeAt(pos) : -1);
}

export function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
