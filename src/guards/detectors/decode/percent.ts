import { DecodedBuilder, type Decoded } from './decoded.js';

/* A URL, query string or form body with percent-escapes: `%3D` before a token, `%26` after it. */
const RUN = /[^\s"'<>`]*%[0-9A-Fa-f]{2}[^\s"'<>`]*/g;

export function decodePercentRuns(text: string): Decoded[] {
  const out: Decoded[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const b = new DecodedBuilder('percent');
    const end = m.index + m[0].length;
    for (let i = m.index; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 37 && i + 2 < end && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
        b.push(parseInt(text.slice(i + 1, i + 3), 16), i, i + 3);
        i += 2;
      } else b.push(c, i, i + 1);
    }
    out.push(b.build());
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
