import { DecodedBuilder, type Decoded } from './decoded.js';

/*
 * JSON (and JS) string escapes, one level: a JSON document inside a JSON string (`{\"token\":
 * \"…\"}`), a log line that quotes one, `kubectl … -o json` inside a tool result. Only lines that
 * carry an escaped quote or backslash are decoded; the next depth undoes the next level.
 */
const SIMPLE: Record<string, number> = { '"': 34, '\\': 92, '/': 47, b: 8, f: 12, n: 10, r: 13, t: 9, "'": 39 };

const ESCAPE = /\\["\\]/g;

export function decodeEscapedLines(text: string): Decoded[] {
  const out: Decoded[] = [];
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    let lineEnd = text.indexOf('\n', m.index);
    if (lineEnd < 0) lineEnd = text.length;
    out.push(unescapeLine(text, lineStart, lineEnd));
    ESCAPE.lastIndex = lineEnd;
  }
  return out;
}

function unescapeLine(text: string, start: number, end: number): Decoded {
  const b = new DecodedBuilder('escape');
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 92 || i + 1 >= end) { b.push(c, i, i + 1); continue; }
    const next = text[i + 1]!;
    const simple = SIMPLE[next];
    if (simple !== undefined) { b.push(simple, i, i + 2); i++; continue; }
    if (next === 'u' && i + 5 < end + 0 && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      b.push(parseInt(text.slice(i + 2, i + 6), 16), i, i + 6);
      i += 5;
      continue;
    }
    b.push(c, i, i + 1);
  }
  return b.build();
}
