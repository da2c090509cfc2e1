/**
 * Streams release text only once no secret can still be growing through it. Rules with a
 * bounded match are covered by holding back their longest match; the rules below can match
 * more than that (PEM blocks, JWTs, long base64 values, curl commands over several lines),
 * so each states which texts may be an unfinished match of it: `open`, a pattern every
 * prefix of every match satisfies (it may accept more; a looser one only holds longer). It
 * runs sticky at a hit of the rule's anchors, case-insensitively, and must reach the end
 * of the text: once it no longer does, any match from there is complete and visible.
 *
 * `truncated`: a text that ENDS inside an open match at least this long (an answer cut off
 * by max_tokens in the middle of a private key) is redacted from the match start, not
 * released; absent, such a tail is released (it is not a secret of this rule yet).
 * Every unbounded rule needs an entry (open-matches.test.ts checks it and that each
 * pattern accepts every prefix of sampled matches).
 */
import { LiteralScanner } from '../../prefilter/literal-scanner.js';
import type { OpenMatch } from '../types.js';
import type { CompiledRule } from './compiled-rule.js';
import { LINEAR_WINDOW } from './runners.js';

export interface OpenSpec {
  readonly open: string;
  readonly truncated?: number;
  /** Open only this many characters from its start at most (a linear rule's scan sees no further). */
  readonly within?: number;
}

/** All prefixes of a literal (the empty one included). */
function partial(lit: string): string {
  let out = '';
  for (let i = lit.length - 1; i >= 0; i--) out = `(?:${esc(lit[i]!)}${out})?`;
  return out;
}

function esc(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** `run` with no way back into it: later failure cannot retry shorter runs (linear time). */
function atomic(run: string, group: number): string {
  return `(?=(${run}))\\${group}`;
}

// `key = "value"` heads of the gitleaks assignment rules; `value` is the prefix pattern of the value.
const ASSIGN = (value: string) =>
  `[\\w\\t \\-.]{0,20}[\\t\\n\\f\\r "']{0,3}(?:(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\t\\n\\f\\r "'=\\x60]{0,5}${value}|:{1,3}|\\||\\?)?`;
// A value run, then possibly the `\` of a `\n` terminator that has not fully arrived.
const RUN = (cls: string, group: number) => `${atomic(`[${cls}]*`, group)}\\\\?`;
// At most `n` non-blank characters; blanks (any number) do not count, so padding cannot escape.
const NONBLANK = (n: number) => `(?:\\s*\\S){0,${n}}\\s*`;

export const OPEN_SPECS: Readonly<Record<string, OpenSpec>> = {
  // Header chars (all of `PRIVATE KEY BLOCK-----` are in the class), then the body until
  // the closing `KEY-----` at least 64 characters on.
  'private-key': {
    open: `-----begin(?:[\\d \\-a-z_]{0,130}|[\\d \\-a-z_]{0,100}private key(?: block)?-----(?![\\s\\S]{64,}?key(?: block)?-----)[\\s\\S]*)`,
    truncated: 10,
  },
  'private-key-base64': { open: `\\bls0tls1crudjti${atomic('[\\w+\\/]*', 1)}={0,2}`, truncated: 80 },
  jwt: {
    open: `\\bey\\w*(?:\\.(?:e(?:y[\\w\\-\\/\\\\]*(?:\\.[\\w\\-\\/\\\\]*={0,2}\\\\?)?)?)?)?`,
    truncated: 40,
  },
  'jwt-base64': { open: `\\bzxlk${atomic('[\\w\\n\\r+\\-\\/\\\\]*', 1)}={0,2}`, truncated: 60 },
  '1password-service-account-token': { open: `ops_eyj${atomic('[\\d+\\/a-z]*', 1)}={0,3}`, truncated: 60 },
  'yandex-access-token': { open: `yandex${ASSIGN(`(?:t(?:1(?:\\.${RUN('\\w\\-=.', 1)})?)?)?`)}` },
  'generic-api-key': {
    open: `(?:access|auth|api|credential|creds|key|passw(?:or)?d|secret|token)${ASSIGN(RUN('\\w\\-.=+\\/', 1))}`,
  },
  'facebook-page-access-token': { open: `\\beaa[cm]${RUN('\\da-z', 1)}` },
  'flyio-access-token': { open: `\\bf[mo][12][ar]?_${RUN('\\w\\-+\\/=', 1)}` },
  'freemius-secret-key': {
    open: `["']secret_key["'](?:\\s*(?:=(?:>\\s*(?:["'](?:s(?:k(?:_[^\\t\\n\\f\\r ]{0,30})?)?)?)?)?)?)?`,
  },
  // `kind: secret … data: … name: value` or `data: … name: value … kind: secret`, with
  // bounded gaps (200, 100 characters) between the parts; blanks are not counted.
  'kubernetes-secret-yaml': {
    open: `\\b(?:kind|data):(?:${NONBLANK(330)}|${NONBLANK(330)}?[\\w\\-.]+:[\\t ]*(?:[|>][+\\-]?\\s+)?[\\t ]*["']?(?:${atomic('[\\d+\\/a-z]*', 1)}|${atomic('[\\d+\\/a-z]{10,}', 2)}={0,3}["']?${NONBLANK(230)}|\\{\\{[^}]*\\}?))`,
  },
  'microsoft-teams-webhook': { open: `https:\\/\\/${atomic('[\\w.\\-\\/@]*', 1)}` },
  'nuget-config-password': {
    within: LINEAR_WINDOW,
    open: `<add key="(?:(?:cleartext)?password"\\s*(?:value="[^\\n]*(?:"\\s*\\/?)?|${partial('value="')})|${partial('cleartextpassword"')}|${partial('password"')})`,
  },
  // Up to six lines from `curl` (its pattern's `[\n\r]{1,2}` five times, then the blank
  // before the flag), or an open quote after `-u`/`--user`, whose value may span lines.
  'curl-auth-header': { within: LINEAR_WINDOW, open: `\\bcurl\\b(?:[^\\n]*\\n){0,11}[^\\n]*` },
  'curl-auth-user': {
    within: LINEAR_WINDOW,
    open: `\\bcurl\\b(?:(?:[^\\n]*\\n){0,11}[^\\n]*|[\\s\\S]*?(?:-u|--user)(?:=|[\\t ]{0,5})(?:"[^"]*|'[^']*))`,
  },
  'slack-app-token': { open: `xapp-${RUN('\\w\\-', 1)}` },
  'slack-bot-token': { open: `xoxb-${RUN('\\w\\-', 1)}` },
  'slack-legacy-token': { open: `xox[os]-${RUN('\\w\\-', 1)}` },
};

interface OpenRule {
  id: string;
  open: RegExp;
  truncated: number;
  within: number;
}

/** Finds where an unfinished match of a long rule starts, for stream hold-back. */
export class OpenMatchFinder {
  private readonly scanner: LiteralScanner | null;
  /** For each anchor literal, the rules it opens. */
  private readonly byAnchor: OpenRule[][];
  /** Longest anchor: a stream holds back at least this much, so a split anchor is still seen. */
  readonly anchorSpan: number;

  constructor(rules: readonly CompiledRule[]) {
    const anchors: string[] = [];
    this.byAnchor = [];
    for (const r of rules) {
      const spec = OPEN_SPECS[r.id];
      if (!spec || !r.data.anchors) continue;
      const rule = { id: r.id, open: new RegExp(`(?:${spec.open})$`, 'iy'), truncated: spec.truncated ?? Infinity, within: spec.within ?? Infinity };
      for (const a of r.data.anchors) {
        let i = anchors.indexOf(a);
        if (i < 0) i = anchors.push(a) - 1;
        (this.byAnchor[i] ??= []).push(rule);
      }
    }
    this.scanner = anchors.length ? new LiteralScanner(anchors) : null;
    this.anchorSpan = Math.max(0, ...anchors.map((a) => a.length));
  }

  /**
   * The unfinished matches in `text` starting at or after `from`, by start, tested lazily:
   * a caller that needs only the first stops there. `truncatedOnly`: only rules whose cut-off
   * prefix is a secret (see OpenSpec.truncated).
   */
  *find(text: string, from: number, truncatedOnly = false): Generator<OpenMatch> {
    if (!this.scanner) return;
    const hits = this.scanner.scan(text);
    const candidates: { start: number; rule: OpenRule }[] = [];
    for (let h = 0; h < hits.count; h++) {
      const start = hits.starts[h]!;
      if (start < from) continue;
      for (const rule of this.byAnchor[hits.ids[h]!] ?? []) {
        if (text.length - start > rule.within || (truncatedOnly && rule.truncated === Infinity)) continue;
        candidates.push({ start, rule });
      }
    }
    candidates.sort((a, b) => a.start - b.start);
    for (const { start, rule } of candidates) {
      rule.open.lastIndex = start;
      if (rule.open.test(text)) yield { rule: rule.id, start, truncatedIsSecret: text.length - start >= rule.truncated };
    }
  }
}
