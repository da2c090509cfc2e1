import { DecodedBuilder, printableShare, type Decoded } from './decoded.js';

/* Hex dumps as `xxd -p` (wrapped at 60), `od`/`hexdump` byte pairs with spaces, or one run. */
const RUN = /(?:[0-9a-fA-F]{2}(?:\r?\n|\\n| )?){10,}/g;

export function decodeHexRuns(text: string, minPrintable: number): Decoded[] {
  const out: Decoded[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const b = new DecodedBuilder('hex');
    let hi = -1;
    let hiPos = 0;
    for (let i = m.index; i < m.index + m[0].length; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) { i++; continue; }
      const v = c <= 57 && c >= 48 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (v < 0) continue;
      if (hi < 0) { hi = v; hiPos = i; }
      else { b.push((hi << 4) | v, hiPos, i + 1); hi = -1; }
    }
    const d = b.build();
    if (d.text.length >= 8 && printableShare(d.text) >= minPrintable) out.push(d);
  }
  return out;
}
