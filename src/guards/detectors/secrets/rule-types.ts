/** A regex as data: JavaScript source and flags (no `g`/`y`; the engine adds those). */
export interface RegexData { readonly source: string; readonly flags: '' | 'i' }

/**
 * A gitleaks allowlist: a finding is dropped when one of the regexes matches its target
 * or the secret contains one of the stop-words (lower-cased). Path and commit allowlists
 * are not ported: traffic has no file path or commit.
 */
export interface AllowlistData {
  /** What the regexes test: the secret (default), the whole match, or the match's line. */
  readonly target?: 'match' | 'line';
  readonly regexes?: readonly RegexData[];
  readonly stopwords?: readonly string[];
}

export interface SecretRuleData {
  /** gitleaks rule id (or Warden's, for the rules gitleaks lacks). */
  readonly id: string;
  readonly description: string;
  /**
   * The scanning regex. When `leadIn` is set this is the gitleaks pattern without its
   * leading `[\w.-]{0,leadIn}?`, which only moves the match start left (see port/analyze.ts).
   */
  readonly regex: string;
  readonly flags: '' | 'i';
  readonly leadIn?: number;
  /** Capture group holding the secret; default: the first non-empty group, else the match. */
  readonly secretGroup?: number;
  /** Minimum Shannon entropy (bits per character) of the secret; findings at or below are dropped. */
  readonly entropy?: number;
  /** Lower-case; the rule applies only to texts containing one (gitleaks semantics). */
  readonly keywords: readonly string[];
  /**
   * Lower-case literals every match starts with. The engine tries the rule only where the
   * prefilter saw one. Absent: the rule scans the whole text when a keyword occurs.
   */
  readonly anchors?: readonly string[];
  /** The anchors sit this many code units after the match start (a fixed-width head). */
  readonly anchorOffset?: number;
  /** Longest match in code units; -1 when the pattern is unbounded. */
  readonly maxLength: number;
  /** 0..1: how sure a match is a real secret. */
  readonly confidence: number;
  readonly allowlists?: readonly AllowlistData[];
  /** Extra check on the secret text (checksums, decodable headers); false drops the finding. */
  readonly validate?: (secret: string) => boolean;
  /**
   * 're2': run on re2js (linear time) over windows from the anchor hits, instead of V8 at
   * each hit. For patterns whose scan from one anchor can reach far (`.*` over lines): with
   * V8, a text packed with anchors would cost quadratic time (ReDoS). Needs anchors.
   */
  readonly engine?: 're2';
}

/** Rules and allowlists that apply to every finding, whatever the rule. */
export interface GlobalAllowlistData {
  readonly regexes: readonly RegexData[];
  readonly stopwords: readonly string[];
}
