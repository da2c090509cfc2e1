import type { Finding } from '../detectors/types.js';
import { type MaskOptions, type MaskStyle, mask } from './mask.js';

export type MaskStyleChoice = MaskStyle | ((finding: Finding) => MaskStyle);

/**
 * Replaces every finding's span in `text`. Overlapping and adjacent findings merge into
 * one span covering all of them, masked as the widest of them (its rule and style): two
 * detectors that both saw a secret must not leave a piece of it between two placeholders.
 */
export function applyRedactions(text: string, findings: readonly Finding[], style: MaskStyleChoice, opts: MaskOptions = {}): string {
  if (findings.length === 0) return text;
  const spans = findings.filter((f) => checkSpan(f, text.length)).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (let i = 0; i < spans.length; ) {
    let widest = spans[i];
    let start = widest.start;
    let end = widest.end;
    for (i++; i < spans.length && spans[i].start <= end; i++) {
      const f = spans[i];
      if (f.end - f.start > widest.end - widest.start) widest = f;
      if (f.end > end) end = f.end;
    }
    // Never cut a surrogate pair: half a character left behind would be garbage (and a hint).
    if (isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1))) start--;
    if (isLowSurrogate(text.charCodeAt(end)) && isHighSurrogate(text.charCodeAt(end - 1))) end++;
    start = Math.max(start, cursor);
    const chosen = typeof style === 'function' ? style(widest) : style;
    out += text.slice(cursor, start) + mask(text, { ...widest, start, end }, chosen, opts);
    cursor = end;
  }
  return out + text.slice(cursor);
}

/** Drops empty spans; a span outside the text is a caller bug that must not pass silently. */
function checkSpan(f: Finding, length: number): boolean {
  if (!Number.isInteger(f.start) || !Number.isInteger(f.end) || f.start < 0 || f.end > length || f.start > f.end) {
    throw new RangeError(`finding of ${f.detector}/${f.rule} spans [${f.start}, ${f.end}) outside a text of ${length} characters`);
  }
  return f.end > f.start;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
