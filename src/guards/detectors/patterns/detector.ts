import type { Matcher } from 're2js';
import { WardenError } from '../../../core/errors.js';
import type { Detector, Finding } from '../types.js';
import { type CompiledPattern, type CustomPattern, compileCustomPattern } from './compile.js';

export const PATTERN_DETECTOR_ID = 'patterns';
/** Hold-back reported for unbounded patterns (`\w+`): a longer match split across stream deltas can be missed. */
export const UNBOUNDED_PATTERN_HOLDBACK = 1024;
// re2js finds match positions with its NFA (~15 MB/s) but answers "is there a match" with
// its DFA (~50–1000 MB/s): bounded patterns test each chunk with the DFA first and only
// locate matches inside chunks that have one.
const CHUNK = 32 * 1024;
const MAX_WINDOWED_LENGTH = 16 * 1024;

/**
 * Detector for user-defined patterns (config `custom_patterns`), compiled with re2js so no
 * pattern can make matching super-linear. Throws WARDEN_E_CONFIG_INVALID naming the first
 * pattern that does not compile.
 */
export function createPatternDetector(patterns: readonly CustomPattern[]): Detector {
  const compiled: CompiledPattern[] = [];
  const seen = new Set<string>();
  for (const p of patterns) {
    const result = compileCustomPattern(p);
    if (typeof result === 'string') throw new WardenError('WARDEN_E_CONFIG_INVALID', result, { rule: p.id });
    if (seen.has(result.id)) throw new WardenError('WARDEN_E_CONFIG_INVALID', `custom pattern "${result.id}" is defined twice`, { rule: p.id });
    seen.add(result.id);
    compiled.push(result);
  }
  let maxMatchLength = 0;
  for (const p of compiled) maxMatchLength = Math.max(maxMatchLength, Math.min(p.longest, UNBOUNDED_PATTERN_HOLDBACK));

  return {
    id: PATTERN_DETECTOR_ID,
    maxMatchLength,
    detect(text: string): Finding[] {
      const found: Finding[] = [];
      for (const p of compiled) {
        if (p.longest <= MAX_WINDOWED_LENGTH) scanWindowed(p, text, found);
        else scanWhole(p, text, found);
      }
      if (compiled.length > 1) found.sort((a, b) => a.start - b.start || b.end - a.end);
      return found;
    },
  };
}

function scanWhole(p: CompiledPattern, text: string, out: Finding[]): void {
  if (!p.re.test(text)) return;
  collect(p, p.re.matcher(text), 0, 0, text.length, out);
}

/**
 * Chunk by chunk: the slice tested for a chunk runs from one character before it (so `\b`
 * and `(?m)^` see their real neighbour) to `longest` + 1 characters after it, so it holds
 * every match that starts in the chunk with its context. Matches are then located in that
 * slice only, never in the rest of the text.
 */
function scanWindowed(p: CompiledPattern, text: string, out: Finding[]): void {
  const n = text.length;
  let next = 0; // matches never overlap: the next one starts at or after the previous end
  for (let chunk = 0, chunkEnd = 0; chunk < n; chunk = chunkEnd) {
    chunkEnd = codePointBoundary(text, Math.min(n, chunk + CHUNK));
    const from = Math.max(chunk, next);
    if (from >= chunkEnd) continue;
    const lo = from > 0 ? from - 1 : 0;
    const hi = Math.min(n, chunkEnd + p.longest + 1);
    const window = lo === 0 && hi === n ? text : text.slice(lo, hi);
    if (!p.re.test(window)) continue;
    next = collect(p, p.re.matcher(window), lo, from - lo, chunkEnd - lo, out);
  }
}

/** Moves `pos` past a low surrogate so no chunk starts in the middle of a character. */
function codePointBoundary(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  return c >= 0xdc00 && c <= 0xdfff && pos > 0 && (text.charCodeAt(pos - 1) & 0xfc00) === 0xd800 ? pos + 1 : pos;
}

/** Finds matches starting in [from, until) of the matcher's input; returns where the last one ended (absolute). */
function collect(p: CompiledPattern, m: Matcher, offset: number, from: number, until: number, out: Finding[]): number {
  let pos = from;
  let end = offset + from;
  while (pos < until && m.find(pos)) {
    const start = m.start();
    if (start >= until) break;
    const stop = m.end();
    if (stop > start) {
      out.push({ detector: PATTERN_DETECTOR_ID, rule: p.id, start: offset + start, end: offset + stop, confidence: p.confidence });
      end = offset + stop;
      pos = stop;
    } else {
      pos = start + 1; // an empty match somewhere in the pattern's alternatives: step over it
    }
  }
  return end;
}
