import { RE2JS } from 're2js';
import { LiteralScanner } from '../../prefilter/literal-scanner.js';
import type { AllowlistData, GlobalAllowlistData, RegexData } from './rule-types.js';

/** Above this many stop-words one automaton pass beats a loop of includes(). */
const STOPWORD_SCAN_THRESHOLD = 16;

/** What an allowlist can look at for one candidate finding. */
export interface Candidate {
  readonly secret: string;
  /** The whole match, including the identifier in front (gitleaks' `Match`). */
  match(): string;
  /** The line(s) the match sits on. */
  line(): string;
}

/**
 * Allowlist regexes run on re2js (linear time): their targets can be whole matches of
 * unbounded rules, and gitleaks' own allowlist patterns (`[a-z0-9-]*?api[a-z0-9-]*?:jar:`)
 * backtrack quadratically on V8 over a 100 KB secret. They run only on candidate findings.
 */
export class Allowlist {
  private readonly regexes: RE2JS[];
  private readonly stopwords: readonly string[];
  private readonly stopwordScanner: LiteralScanner | null;

  constructor(private readonly target: 'secret' | 'match' | 'line', regexes: readonly RegexData[], stopwords: readonly string[]) {
    this.regexes = regexes.map((r) => RE2JS.compile(r.source, r.flags === 'i' ? RE2JS.CASE_INSENSITIVE : 0));
    this.stopwords = stopwords;
    this.stopwordScanner = stopwords.length > STOPWORD_SCAN_THRESHOLD ? new LiteralScanner(stopwords) : null;
  }

  static fromData(a: AllowlistData): Allowlist {
    return new Allowlist(a.target ?? 'secret', a.regexes ?? [], a.stopwords ?? []);
  }

  static global(a: GlobalAllowlistData): Allowlist {
    return new Allowlist('secret', a.regexes, a.stopwords);
  }

  /** gitleaks semantics: a regex hit on the target, or a stop-word inside the secret. */
  allows(c: Candidate): boolean {
    if (this.regexes.length > 0) {
      const target = this.target === 'secret' ? c.secret : this.target === 'match' ? c.match() : c.line();
      for (const re of this.regexes) if (re.test(target)) return true;
    }
    if (this.stopwordScanner) return this.stopwordScanner.scan(c.secret).count > 0;
    if (this.stopwords.length > 0) {
      const lower = c.secret.toLowerCase();
      for (const w of this.stopwords) if (lower.includes(w)) return true;
    }
    return false;
  }
}
