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
  // Compiled on first use: most rules never produce a candidate, and re2js compilation of
  // the ~230 rules' allowlists would otherwise dominate detector start-up.
  private compiled: { regexes: RE2JS[]; scanner: LiteralScanner | null } | null = null;

  constructor(
    private readonly target: 'secret' | 'match' | 'line',
    private readonly regexData: readonly RegexData[],
    private readonly stopwords: readonly string[],
  ) {}

  private get parts(): { regexes: RE2JS[]; scanner: LiteralScanner | null } {
    this.compiled ??= {
      regexes: this.regexData.map((r) => RE2JS.compile(r.source, r.flags === 'i' ? RE2JS.CASE_INSENSITIVE : 0)),
      scanner: this.stopwords.length > STOPWORD_SCAN_THRESHOLD ? new LiteralScanner(this.stopwords) : null,
    };
    return this.compiled;
  }

  static fromData(a: AllowlistData): Allowlist {
    return new Allowlist(a.target ?? 'secret', a.regexes ?? [], a.stopwords ?? []);
  }

  static global(a: GlobalAllowlistData): Allowlist {
    return new Allowlist('secret', a.regexes, a.stopwords);
  }

  /** gitleaks semantics: a regex hit on the target, or a stop-word inside the secret. */
  allows(c: Candidate): boolean {
    const { regexes, scanner } = this.parts;
    if (regexes.length > 0) {
      const target = this.target === 'secret' ? c.secret : this.target === 'match' ? c.match() : c.line();
      for (const re of regexes) if (re.test(target)) return true;
    }
    if (scanner) return scanner.scan(c.secret).count > 0;
    if (this.stopwords.length > 0) {
      const lower = c.secret.toLowerCase();
      for (const w of this.stopwords) if (lower.includes(w)) return true;
    }
    return false;
  }
}
