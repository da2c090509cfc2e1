import { RE2JS } from 're2js';
import { longestMatch } from './longest-match.js';
import { findUnsupportedSyntax } from './unsupported.js';

/** One user-defined pattern, as written in the config. */
export interface CustomPattern {
  id: string;
  /** RE2 syntax (https://github.com/google/re2/wiki/Syntax). */
  regex: string;
  /** Any of `i` (case-insensitive), `m` (^ and $ at line breaks), `s` (. matches a line break). */
  flags?: string;
  /** 0..1; 1 by default. */
  confidence?: number;
}

export interface CompiledPattern {
  readonly id: string;
  readonly re: RE2JS;
  readonly confidence: number;
  /** Longest match in UTF-16 code units; Infinity when unbounded. */
  readonly longest: number;
}

export type CompilePatternResult = { ok: true } | { ok: false; error: string };

export const MAX_PATTERN_SOURCE_LENGTH = 4096;
export const DEFAULT_PATTERN_CONFIDENCE = 1;
// RE2 bounds repeat counts; this bounds the whole program so one config line cannot make
// every request pay for a huge automaton.
const MAX_PROGRAM_SIZE = 20_000;

const FLAG_BITS: Readonly<Record<string, number>> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/** Config validation: whether the pattern compiles on RE2, and if not, why (naming the pattern id). */
export function compilePattern(p: CustomPattern): CompilePatternResult {
  const compiled = compileCustomPattern(p);
  return typeof compiled === 'string' ? { ok: false, error: compiled } : { ok: true };
}

/** The compiled pattern, or an error message that names the pattern id and the problem. */
export function compileCustomPattern(p: CustomPattern): CompiledPattern | string {
  const id = typeof p.id === 'string' && p.id.length > 0 ? p.id : '';
  const name = `custom pattern "${id}"`;
  if (id === '') return 'custom pattern: id must be a non-empty string';
  if (typeof p.regex !== 'string' || p.regex.length === 0) return `${name}: regex must be a non-empty string`;
  if (p.regex.length > MAX_PATTERN_SOURCE_LENGTH) return `${name}: regex is longer than ${MAX_PATTERN_SOURCE_LENGTH} characters`;

  let bits = 0;
  for (const flag of p.flags ?? '') {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) return `${name}: flag "${flag}" is not supported (only i, m and s)`;
    if ((bits & bit) !== 0) return `${name}: flag "${flag}" is repeated`;
    bits |= bit;
  }
  const confidence = p.confidence ?? DEFAULT_PATTERN_CONFIDENCE;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) return `${name}: confidence must be a number between 0 and 1`;

  // ReDoS: custom patterns come from config and run on every request, so they must run in
  // linear time; constructs that need backtracking are refused rather than emulated.
  const unsupported = findUnsupportedSyntax(p.regex);
  if (unsupported !== null) {
    return `${name}: ${unsupported} is not supported (custom patterns run on RE2, a linear-time engine without backreferences or lookaround)`;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(p.regex, bits);
  } catch (e) {
    return `${name}: not valid RE2 syntax: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) return `${name}: the compiled pattern is too large (${re.programSize()} instructions, at most ${MAX_PROGRAM_SIZE})`;
  if (re.testExact('')) return `${name}: matches the empty string, so it would match everywhere`;
  return { id, re, confidence, longest: longestMatch(re) };
}
