/** Bash `$'…'` strings: `$'\x72\x6d'` is `rm`, so escapes are decoded before matching. */

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

function hexRun(src: string, i: number, max: number): number {
  let j = i;
  while (j < src.length && j - i < max && /[0-9a-fA-F]/.test(src[j]!)) j++;
  return j;
}

/** Decodes from `start` (just after `$'`) to the closing quote; `end` is the index after it. */
export function decodeAnsiC(src: string, start: number): { text: string; end: number; closed: boolean } {
  let text = '';
  let i = start;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "'") return { text, end: i + 1, closed: true };
    if (c !== '\\' || i + 1 >= src.length) {
      text += c;
      i++;
      continue;
    }
    const e = src[i + 1]!;
    if (SIMPLE[e] !== undefined) {
      text += SIMPLE[e];
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const j = hexRun(src, i + 2, e === 'x' ? 2 : e === 'u' ? 4 : 8);
      const cp = j > i + 2 ? parseInt(src.slice(i + 2, j), 16) : NaN;
      text += Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : src.slice(i, j);
      i = j;
    } else if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < src.length && j - i <= 3 && src[j]! >= '0' && src[j]! <= '7') j++;
      text += String.fromCharCode(parseInt(src.slice(i + 1, j), 8) & 0xff);
      i = j;
    } else if (e === 'c' && i + 2 < src.length) {
      text += String.fromCharCode(src.charCodeAt(i + 2) & 0x1f);
      i += 3;
    } else {
      text += `\\${e}`;
      i += 2;
    }
  }
  return { text, end: src.length, closed: false };
}
