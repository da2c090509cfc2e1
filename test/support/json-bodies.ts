/**
 * Anthropic-shaped request bodies for differential tests of the JSON readers: keys spelled
 * raw or escaped, duplicates planted, and byte mutations (structure, invalid and overlong UTF-8).
 */
import { MAX_DEPTH } from './json-reference-parser.js';

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// ---- generated bodies: Anthropic-shaped, keys in many spellings, duplicates planted ----

/** One character of a key or string, spelled raw or as an escape (pairs for astral characters). */
export function spell(r: Rand, ch: string): string {
  const cp = ch.codePointAt(0)!;
  const x = r();
  if (ch === '"' || ch === '\\' || cp < 0x20) return x < 0.5 && ch.length === 1 && '"\\'.includes(ch) ? `\\${ch}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  if (x < 0.75) return ch;
  const hex = (u: number) => (r() < 0.5 ? u.toString(16) : u.toString(16).toUpperCase()).padStart(4, '0');
  if (cp > 0xffff) return `\\u${hex(ch.charCodeAt(0))}\\u${hex(ch.charCodeAt(1))}`;
  if (ch === '/' && r() < 0.5) return '\\/';
  return `\\u${hex(cp)}`;
}
export const spellAll = (r: Rand, s: string) => [...s].map((ch) => spell(r, ch)).join('');

export const TOP_KEYS = ['model', 'stream', 'tools', 'messages', 'system', 'metadata', 'max_tokens', 'tool_choice', 'x', 'é', '😀', 'constructor', 'toString', 'hasOwnProperty', 'a"b', 'a\\b', '', ' model', 'model '];
export const INNER_KEYS = ['model', 'stream', 'name', 'type', 'text', 'content', 'input', 'role', 'é', 'e\u0301', '😀', 'k\u2028', '\u0000', 'a/b'];
export const TEXTS = ['hi', 'é', '😀', '\u2028\u2029', '\u00a0', '\u0085', '\u007f', '\uffff', 'a"b', 'a\\b', '\n\t', 'AKIAZ7VRSQ3HKPL2MXTY', '\u00c0\u00a2', '\ufeff', ''];
export const NUMBERS = ['0', '-0', '-0.0', '1', '12.5e-3', '1e999', '-1e999', '1E+400', '1e-400', '123456789012345678901234567890', '4096', '0.1e1', '5e-324', '9007199254740993'];
export const MODELS = ['claude-haiku-4-5', 'claude-opus-4-5', 'claude-3-5-haiku-latest', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'];
export const WS = ['', '', '', ' ', '\n', '\t', '\r\n  '];

export function gString(r: Rand): string {
  let s = '';
  const n = Math.floor(r() * 4);
  for (let k = 0; k < n; k++) s += spellAll(r, pick(r, TEXTS));
  return `"${s}"`;
}

export function gValue(r: Rand, depth: number, nested = 0): string {
  const k = r();
  if (depth > 5 || k < 0.4) {
    const p = r();
    if (p < 0.45) return gString(r);
    if (p < 0.75) return pick(r, NUMBERS);
    return pick(r, ['true', 'false', 'null']);
  }
  if (k < 0.47 && nested > 0) {
    // Deep nesting in a member nobody reads: at, under or over the limit once the depth so far counts.
    const n = nested - depth + Math.floor(r() * 3) - 1;
    const o = r() < 0.5;
    return (o ? '{"a":' : '[').repeat(n) + '1' + (o ? '}' : ']').repeat(n);
  }
  const n = Math.floor(r() * 4);
  const w = () => pick(r, WS);
  if (k < 0.7) return `[${w()}${Array.from({ length: n }, () => gValue(r, depth + 1, nested)).join(`${w()},${w()}`)}${w()}]`;
  const keys = Array.from({ length: n }, () => pick(r, INNER_KEYS));
  if (r() < 0.1 && n > 0) keys.push(keys[0]!); // a duplicate, perhaps spelled otherwise
  return `{${w()}${keys.map((key) => `"${spellAll(r, key)}"${w()}:${w()}${gValue(r, depth + 1, nested)}`).join(`${w()},${w()}`)}${w()}}`;
}

export function gBody(r: Rand): string {
  const keys: string[] = [];
  if (r() < 0.95) keys.push('model');
  for (let k = Math.floor(r() * 6); k > 0; k--) keys.push(pick(r, TOP_KEYS));
  if (r() < 0.15) keys.push(pick(r, ['model', 'stream', 'tools', 'messages'])); // a top-level duplicate
  for (let k = keys.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [keys[k], keys[j]] = [keys[j]!, keys[k]!];
  }
  const nested = r() < 0.05 ? MAX_DEPTH : 0;
  const w = () => pick(r, WS);
  const member = (key: string): string => {
    let v: string;
    if (key === 'model') v = r() < 0.9 ? `"${spellAll(r, pick(r, MODELS))}"` : gValue(r, 1);
    else if (key === 'stream') v = r() < 0.85 ? pick(r, ['true', 'false']) : gValue(r, 1);
    else if (key === 'tools') v = `[${Array.from({ length: Math.floor(r() * 3) }, () => `{"name":"${spellAll(r, pick(r, ['Bash', 'Read', 'WebFetch']))}","input_schema":${gValue(r, 2, nested)}}`).join(',')}]`;
    else v = gValue(r, 1, nested);
    return `"${spellAll(r, key)}"${w()}:${w()}${v}`;
  };
  return `${w()}{${w()}${keys.map(member).join(`${w()},${w()}`)}${w()}}${w()}`;
}

/** Byte mutations: structure, multi-byte and invalid UTF-8, overlong spellings of `"` and `\`, odd whitespace. */
export const INSERTS: readonly number[][] = [
  [0x22], [0x5c], [0x2c], [0x3a], [0x7b], [0x7d], [0x5b], [0x5d], [0x30], [0x2d], [0x2e], [0x65], [0x75], [0x20], [0x0a], [0x00], [0x01], [0x1f], [0x7f],
  [0x80], [0xbf], [0xc0, 0xa2], [0xc1, 0x9c], [0xe0, 0x80, 0xa2], [0xf0, 0x80, 0x80, 0xa2], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xb0, 0x80],
  [0xf4, 0x90, 0x80, 0x80], [0xff], [0xc3], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0x0c], [0x0b], [0xc2, 0x85],
  [...Buffer.from('\\u0000')], [...Buffer.from('\\ud800')], [...Buffer.from('\\udc00')], [...Buffer.from('\\ud83d\\ude00')], [...Buffer.from('"model":"claude-opus-4-5",')], [...Buffer.from('"stream":true,')], [...Buffer.from('"mo\\u0064el":"x",')],
];

export function mutate(r: Rand, b: Buffer): Buffer {
  const at = Math.floor(r() * (b.length + 1));
  const op = r();
  if (op < 0.3) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  if (op < 0.75) return Buffer.concat([b.subarray(0, at), Buffer.from(pick(r, INSERTS)), b.subarray(at)]);
  if (op < 0.85) return b.subarray(0, at); // truncated
  if (op < 0.92) return Buffer.concat([b, Buffer.from(pick(r, INSERTS))]); // trailing bytes
  const len = 1 + Math.floor(r() * 12);
  return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); // a run repeated
}
