import { DecodedBuilder, type Decoded } from './decoded.js';

/*
 * Secrets split where the language makes the join unambiguous:
 *  - adjacent string literals joined with `+` (JS, Java, Python, C#…): `"ghp_abc" + "def…"`;
 *  - shell line continuations: a backslash right before the line break, inside a word.
 * The decoded text keeps the line's text before the first literal, so "name = value" rules
 * still see the name.
 */
const CHAIN = /(?:"[^"\\\n]*"|'[^'\\\n]*')(?:\s*\+\s*(?:"[^"\\\n]*"|'[^'\\\n]*'))+/y;
const CONTEXT = 80;

function isQuote(c: number): boolean {
  return c === 34 || c === 39;
}

const SPACE = /\s/;

/** What `\s` in CHAIN accepts. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return SPACE.test(String.fromCharCode(c));
}

/**
 * The leftmost CHAIN matches, found from the `+` signs with a quote on each side (indexOf, not a
 * regex tried at every quote of the text): a chain's first literal opens on the line of its
 * first `+`, so only the quotes from that line's start (or from where the last attempt stopped)
 * to that `+` are tried, each once.
 */
export function* chains(text: string): Generator<{ start: number; end: number }> {
  /** No chain starts before this but those already reported. */
  let tried = 0;
  for (let plus = text.indexOf('+'); plus >= 0; plus = text.indexOf('+', plus + 1)) {
    if (plus < tried) continue;
    let before = plus - 1;
    while (before >= tried && isSpace(text.charCodeAt(before))) before--;
    if (before < tried || !isQuote(text.charCodeAt(before))) continue;
    let after = plus + 1;
    while (after < text.length && isSpace(text.charCodeAt(after))) after++;
    if (!isQuote(text.charCodeAt(after))) continue;
    let from = before;
    while (from > tried && text.charCodeAt(from - 1) !== 10) from--;
    let found = false;
    for (let q = from; q <= before; q++) {
      if (!isQuote(text.charCodeAt(q))) continue;
      CHAIN.lastIndex = q;
      if (!CHAIN.test(text)) continue;
      yield { start: q, end: CHAIN.lastIndex };
      tried = CHAIN.lastIndex;
      found = true;
      break;
    }
    if (!found) tried = before + 1;
  }
}

export function decodeJoinedLiterals(text: string): Decoded[] {
  const out: Decoded[] = [];
  for (const m of chains(text)) {
    const b = new DecodedBuilder('joined');
    const lineStart = Math.max(text.lastIndexOf('\n', m.start) + 1, m.start - CONTEXT);
    for (let i = lineStart; i < m.start; i++) b.push(text.charCodeAt(i), i, i + 1);
    const end = m.end;
    b.push(34, m.start, m.start + 1);
    let quote = 0;
    for (let i = m.start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (quote === 0) { if (c === 34 || c === 39) quote = c; continue; }
      if (c === quote) { quote = 0; continue; }
      b.push(c, i, i + 1);
    }
    b.push(34, end - 1, end);
    out.push(b.build());
  }
  return out.concat(decodeContinuations(text));
}

function decodeContinuations(text: string): Decoded[] {
  const out: Decoded[] = [];
  let at = text.indexOf('\\\n');
  while (at >= 0) {
    const start = text.lastIndexOf('\n', at - 1) + 1;
    const b = new DecodedBuilder('joined');
    let i = start;
    let end = text.length;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 92 && text.charCodeAt(i + 1) === 10) {
        i += 2;
        while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
        continue;
      }
      if (c === 10) { end = i; break; }
      b.push(c, i, i + 1);
      i++;
    }
    out.push(b.build());
    at = text.indexOf('\\\n', end);
  }
  return out;
}
