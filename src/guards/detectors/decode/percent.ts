import { DecodedBuilder, type Decoded } from './decoded.js';

/* A URL, query string or form body with percent-escapes: `%3D` before a token, `%26` after it. */
function isRunChar(c: number): boolean {
  // Not white space, quotes or angle brackets: what ends a URL or a form body in text.
  return c > 0x20 && c !== 0x22 && c !== 0x27 && c !== 0x3c && c !== 0x3e && c !== 0x60;
}

export function decodePercentRuns(text: string): Decoded[] {
  const out: Decoded[] = [];
  let from = 0;
  for (let pct = text.indexOf('%', from); pct >= 0; pct = text.indexOf('%', from)) {
    if (!isHex(text.charCodeAt(pct + 1)) || !isHex(text.charCodeAt(pct + 2))) { from = pct + 1; continue; }
    let start = pct;
    while (start > from && isRunChar(text.charCodeAt(start - 1))) start--;
    let end = pct;
    while (end < text.length && isRunChar(text.charCodeAt(end))) end++;
    const b = new DecodedBuilder('percent');
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 37 && i + 2 < end && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
        b.push(parseInt(text.slice(i + 1, i + 3), 16), i, i + 3);
        i += 2;
      } else b.push(c, i, i + 1);
    }
    out.push(b.build());
    from = end;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
