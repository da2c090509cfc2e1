import type { TomlTable } from './toml-subset.js';
import { parseRe2 } from './re2-parse.js';
import { emitJs, type JsRegex } from './js-emit.js';
import { literalPrefixes, maxLength, stripLeadIn } from './analyze.js';

export interface ConvertedAllowlist {
  target?: 'match' | 'line';
  regexes?: JsRegex[];
  stopwords?: string[];
  description?: string;
}

export interface ConvertedRule {
  id: string;
  description: string;
  regex: JsRegex;
  leadIn: number;
  secretGroup?: number;
  entropy?: number;
  keywords: string[];
  anchors: string[] | null;
  maxLength: number;
  confidence: number;
  allowlists: ConvertedAllowlist[];
  /** Why part of the gitleaks rule did not carry over (kept as a comment). */
  notes: string[];
}

/** RE2 → JavaScript, checked by compiling it. */
export function convertRegex(source: string): JsRegex {
  const js = emitJs(parseRe2(source));
  new RegExp(js.source, js.flags); // throws on a translation bug
  return js;
}

export function convertRule(raw: TomlTable): ConvertedRule | null {
  const id = String(raw['id']);
  if (typeof raw['regex'] !== 'string') return null; // path-only rules (pkcs12-file): no content to scan
  const ast = parseRe2(raw['regex']);
  const stripped = stripLeadIn(ast);
  const regex = emitJs(stripped.node);
  new RegExp(regex.source, regex.flags);
  const notes: string[] = [];
  if (typeof raw['path'] === 'string') {
    notes.push(`gitleaks applies this rule only to paths matching ${raw['path']}; traffic has no path, so it applies everywhere`);
  }
  const len = maxLength(stripped.node);
  const anchors = literalPrefixes(stripped.node);
  const allowlists: ConvertedAllowlist[] = [];
  for (const a of (raw['allowlists'] as TomlTable[] | undefined) ?? []) {
    const converted = convertAllowlist(a);
    if (converted) allowlists.push(converted);
    else notes.push('a path-only allowlist is not ported');
  }
  const rule: ConvertedRule = {
    id,
    description: String(raw['description']),
    regex,
    leadIn: stripped.leadIn,
    keywords: ((raw['keywords'] as string[] | undefined) ?? []).map((k) => k.toLowerCase()),
    anchors,
    maxLength: len === Infinity ? -1 : len,
    confidence: confidenceOf(id, stripped.leadIn, anchors),
    allowlists,
    notes,
  };
  if (typeof raw['secretGroup'] === 'number') rule.secretGroup = raw['secretGroup'];
  if (typeof raw['entropy'] === 'number') rule.entropy = raw['entropy'];
  return rule;
}

function convertAllowlist(a: TomlTable): ConvertedAllowlist | null {
  const regexes = (a['regexes'] as string[] | undefined) ?? [];
  const stopwords = (a['stopwords'] as string[] | undefined) ?? [];
  // An AND allowlist with paths needs a path to pass; without one it never allows anything.
  if (a['condition'] === 'AND' && a['paths'] !== undefined) return null;
  if (regexes.length === 0 && stopwords.length === 0) return null;
  const out: ConvertedAllowlist = {};
  const target = a['regexTarget'];
  if (target === 'match' || target === 'line') out.target = target;
  if (regexes.length) out.regexes = regexes.map(convertRegex);
  if (stopwords.length) out.stopwords = stopwords.map((s) => s.toLowerCase());
  if (typeof a['description'] === 'string') out.description = a['description'];
  return out;
}

/**
 * A fixed prefix inside the token (ghp_, xoxb-, AKIA) makes a match near-certain; an
 * identifier followed by a value (adafruit_key = …) less so; the generic rule least.
 */
function confidenceOf(id: string, leadIn: number, anchors: string[] | null): number {
  if (id.startsWith('generic')) return 0.6;
  if (leadIn > 0) return 0.8;
  if (!anchors) return 0.7;
  return Math.min(...anchors.map((a) => a.length)) >= 4 ? 0.95 : 0.85;
}
