/**
 * A strict JSON parser written from RFC 8259 for differential tests of src/core/json: it shares
 * no code with scan.ts or validate.ts, refuses what Warden refuses (duplicate keys, lone
 * surrogates, `__proto__`, depth, invalid UTF-8) and builds values as JSON.parse would.
 */
import { isUtf8 } from 'node:buffer';

// ---- the reference: strict, independent, values built as JSON.parse would ----

export class Refused extends Error {
  constructor(readonly kind: 'duplicate-key' | 'lone-surrogate' | 'proto-key' | 'too-deep' | 'syntax' | 'utf8') {
    super(kind);
  }
}

export const MAX_DEPTH = 128;

export function refParse(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw new Refused('utf8');
  const s = bytes.toString('utf8');
  let i = 0;
  const ws = () => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const str = (): string => {
    if (s[i] !== '"') throw new Refused('syntax');
    i++;
    const units: number[] = [];
    let pendingHigh = false; // the last unit was a high surrogate from an escape
    for (;;) {
      if (i >= s.length) throw new Refused('syntax');
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        if (pendingHigh) throw new Refused('lone-surrogate');
        i++;
        return String.fromCharCode(...units);
      }
      if (c < 0x20) throw new Refused('syntax');
      if (c !== 0x5c) {
        if (pendingHigh) throw new Refused('lone-surrogate');
        units.push(c);
        i++;
        continue;
      }
      const e = s[i + 1];
      const simple: Record<string, number> = { '"': 0x22, '\\': 0x5c, '/': 0x2f, b: 8, f: 12, n: 10, r: 13, t: 9 };
      if (e !== undefined && e in simple) {
        if (pendingHigh) throw new Refused('lone-surrogate');
        units.push(simple[e]!);
        i += 2;
        continue;
      }
      if (e !== 'u' || !/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) throw new Refused('syntax');
      const v = parseInt(s.slice(i + 2, i + 6), 16);
      i += 6;
      if (v >= 0xdc00 && v <= 0xdfff) {
        if (!pendingHigh) throw new Refused('lone-surrogate');
        pendingHigh = false;
      } else if (v >= 0xd800 && v <= 0xdbff) {
        if (pendingHigh) throw new Refused('lone-surrogate');
        pendingHigh = true;
      } else if (pendingHigh) throw new Refused('lone-surrogate');
      units.push(v);
    }
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const value = (depth: number): unknown => {
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      if (depth === MAX_DEPTH) throw new Refused('too-deep');
      i++;
      ws();
      if (c === '[') {
        const out: unknown[] = [];
        if (s[i] === ']') {
          i++;
          return out;
        }
        for (;;) {
          out.push(value(depth + 1));
          ws();
          if (s[i] === ',') i++;
          else if (s[i] === ']') {
            i++;
            return out;
          } else throw new Refused('syntax');
        }
      }
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      if (s[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const k = str();
        if (k === '__proto__') throw new Refused('proto-key');
        if (seen.has(k)) throw new Refused('duplicate-key');
        seen.add(k);
        ws();
        if (s[i] !== ':') throw new Refused('syntax');
        i++;
        Object.defineProperty(out, k, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return out;
        } else throw new Refused('syntax');
      }
    }
    if (c === '"') return str();
    NUM.lastIndex = i;
    const m = NUM.exec(s);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    throw new Refused('syntax');
  };
  const v = value(0);
  ws();
  if (i !== s.length) throw new Refused('syntax');
  return v;
}
