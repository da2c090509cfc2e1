import { findEncodedRuns, type EncodedRun } from './base64.js';
import { DecodedBuilder, isPrintable, printableShare, type Decoded } from './decoded.js';

/*
 * Hex dumps as `xxd -p` prints them (wrapped at 60) or one long run, found in the same pass as
 * base64 (findEncodedRuns). Spaced byte pairs (`od`, `hexdump`) are not decoded: those tools
 * print the text beside the bytes anyway.
 */
export function decodeHexRuns(text: string, minPrintable: number, runs: readonly EncodedRun[] = findEncodedRuns(text)): Decoded[] {
  const out: Decoded[] = [];
  for (const r of runs) {
    if (!r.allHex || hexPrintableShare(text, r.start, r.end) < minPrintable) continue;
    const b = new DecodedBuilder('hex');
    let hi = -1;
    let hiPos = 0;
    for (let i = r.start; i < r.end; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) { i++; continue; } // a JSON-escaped line break
      const v = hexValue(c);
      if (v < 0) continue;
      if (hi < 0) { hi = v; hiPos = i; }
      else { b.push((hi << 4) | v, hiPos, i + 1); hi = -1; }
    }
    const d = b.build();
    if (d.text.length >= 8 && printableShare(d.text) >= minPrintable) out.push(d);
  }
  return out;
}

function hexValue(c: number): number {
  return c <= 57 && c >= 48 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

/** What the decoding above would give, without building it: the share of printable bytes (-1 under 8 bytes). */
function hexPrintableShare(text: string, start: number, end: number): number {
  let hi = -1;
  let bytes = 0;
  let ok = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; }
    const v = hexValue(c);
    if (v < 0) continue;
    if (hi < 0) hi = v;
    else { ok += isPrintable((hi << 4) | v); bytes++; hi = -1; }
  }
  return bytes < 8 ? -1 : ok / bytes;
}
