import { DecodedBuilder, type Decoded } from './decoded.js';

/*
 * Secrets split where the language makes the join unambiguous:
 *  - adjacent string literals joined with `+` (JS, Java, Python, C#…): `"ghp_abc" + "def…"`;
 *  - shell line continuations: a backslash right before the line break, inside a word.
 * The decoded text keeps the line's text before the first literal, so "name = value" rules
 * still see the name.
 */
const CHAIN = /(?:"[^"\\\n]*"|'[^'\\\n]*')(?:\s*\+\s*(?:"[^"\\\n]*"|'[^'\\\n]*'))+/g;
const CONTEXT = 80;

export function decodeJoinedLiterals(text: string): Decoded[] {
  const out: Decoded[] = [];
  CHAIN.lastIndex = 0;
  for (let m = CHAIN.exec(text); m; m = CHAIN.exec(text)) {
    const b = new DecodedBuilder('joined');
    const lineStart = Math.max(text.lastIndexOf('\n', m.index) + 1, m.index - CONTEXT);
    for (let i = lineStart; i < m.index; i++) b.push(text.charCodeAt(i), i, i + 1);
    const end = m.index + m[0].length;
    b.push(34, m.index, m.index + 1);
    let quote = 0;
    for (let i = m.index; i < end; i++) {
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
