import type { Finding } from '../types.js';
import { DASH, SPACE } from './chars.js';
import { hasContextBefore } from './context.js';
import { piiFinding } from './kinds.js';
import { type NumericToken, canClose, canOpen, groupLength, separatorCode } from './numeric-tokens.js';

const DASHED = 0.75;
const DASHED_WITH_CONTEXT = 0.95;
// Nine bare digits are a zip+4, an order number, anything: only a nearby label makes them an SSN.
const UNDASHED_WITH_CONTEXT = 0.6;

const SSN_WORDS = /\bssns?\b|\bsocial[\s_-]*sec(?:urity)?\b|\bsoc\.?\s*sec\b|\bss#/i;

/** US Social Security numbers: AAA-GG-SSSS; `AAA GG SSSS` and `AAAGGSSSS` only after a label such as "SSN". */
export function findSsns(text: string, tok: NumericToken, out: Finding[]): void {
  for (let a = 0; a < tok.count; a++) {
    if (!canOpen(text, tok, a)) continue;
    if (groupLength(tok, a) === 9 && canClose(text, tok, a)) {
      const start = tok.starts[a];
      if (validParts(text, start, start + 3, start + 5) && hasContextBefore(text, start, SSN_WORDS)) {
        out.push(piiFinding('ssn', start, tok.ends[a], UNDASHED_WITH_CONTEXT));
      }
      continue;
    }
    if (a + 2 >= tok.count || groupLength(tok, a) !== 3 || groupLength(tok, a + 1) !== 2 || groupLength(tok, a + 2) !== 4) continue;
    const sep = separatorCode(text, tok, a);
    if ((sep !== DASH && sep !== SPACE) || separatorCode(text, tok, a + 1) !== sep || !canClose(text, tok, a + 2)) continue;
    const start = tok.starts[a];
    if (!validParts(text, start, tok.starts[a + 1], tok.starts[a + 2])) continue;
    const context = hasContextBefore(text, start, SSN_WORDS);
    if (sep === SPACE && !context) continue;
    out.push(piiFinding('ssn', start, tok.ends[a + 2], sep === SPACE ? UNDASHED_WITH_CONTEXT : context ? DASHED_WITH_CONTEXT : DASHED));
    a += 2;
  }
}

/** The SSA never issues area 000, 666 or 900–999, group 00 or serial 0000. */
function validParts(text: string, area: number, group: number, serial: number): boolean {
  const a = digits(text, area, 3);
  return a !== 0 && a !== 666 && a < 900 && digits(text, group, 2) !== 0 && digits(text, serial, 4) !== 0;
}

function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + (text.charCodeAt(i) - 0x30);
  return v;
}
