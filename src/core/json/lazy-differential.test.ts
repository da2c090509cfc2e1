/**
 * A second reader of the LLM door's lazy read (validate.ts + read.ts): UTF-8 bytes, generated
 * as Anthropic-shaped bodies and mutated byte by byte, are read three ways — the lazy read,
 * readJson (scanJson + JSON.parse, what the door does with the request guard on) and a strict
 * recursive-descent parser written here from RFC 8259 that shares no code with scan.ts or
 * validate.ts. They must accept the same bodies, and on an accepted body every member the
 * lazy read hands out is the value JSON.parse of the whole gives it (and the reference's).
 * A refusal of valid JSON must be WARDEN_E_JSON_REFUSED on both paths, never a syntax error.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { prng } from '../prng.js';
import { WardenError } from '../errors.js';
import { readJson, readJsonObjectLazily } from './read.js';
import { parseMessagesBody } from '../../doors/llm/messages.js';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// ---- the reference: strict, independent, values built as JSON.parse would ----

class Refused extends Error {
  constructor(readonly kind: 'duplicate-key' | 'lone-surrogate' | 'proto-key' | 'too-deep' | 'syntax' | 'utf8') {
    super(kind);
  }
}

const MAX_DEPTH = 128;

function refParse(bytes: Buffer): unknown {
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

// ---- generated bodies: Anthropic-shaped, keys in many spellings, duplicates planted ----

/** One character of a key or string, spelled raw or as an escape (pairs for astral characters). */
function spell(r: Rand, ch: string): string {
  const cp = ch.codePointAt(0)!;
  const x = r();
  if (ch === '"' || ch === '\\' || cp < 0x20) return x < 0.5 && ch.length === 1 && '"\\'.includes(ch) ? `\\${ch}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  if (x < 0.75) return ch;
  const hex = (u: number) => (r() < 0.5 ? u.toString(16) : u.toString(16).toUpperCase()).padStart(4, '0');
  if (cp > 0xffff) return `\\u${hex(ch.charCodeAt(0))}\\u${hex(ch.charCodeAt(1))}`;
  if (ch === '/' && r() < 0.5) return '\\/';
  return `\\u${hex(cp)}`;
}
const spellAll = (r: Rand, s: string) => [...s].map((ch) => spell(r, ch)).join('');

const TOP_KEYS = ['model', 'stream', 'tools', 'messages', 'system', 'metadata', 'max_tokens', 'tool_choice', 'x', 'é', '😀', 'constructor', 'toString', 'hasOwnProperty', 'a"b', 'a\\b', '', ' model', 'model '];
const INNER_KEYS = ['model', 'stream', 'name', 'type', 'text', 'content', 'input', 'role', 'é', 'e\u0301', '😀', 'k\u2028', '\u0000', 'a/b'];
const TEXTS = ['hi', 'é', '😀', '\u2028\u2029', '\u00a0', '\u0085', '\u007f', '\uffff', 'a"b', 'a\\b', '\n\t', 'AKIAZ7VRSQ3HKPL2MXTY', '\u00c0\u00a2', '\ufeff', ''];
const NUMBERS = ['0', '-0', '-0.0', '1', '12.5e-3', '1e999', '-1e999', '1E+400', '1e-400', '123456789012345678901234567890', '4096', '0.1e1', '5e-324', '9007199254740993'];
const MODELS = ['claude-haiku-4-5', 'claude-opus-4-5', 'claude-3-5-haiku-latest', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'];
const WS = ['', '', '', ' ', '\n', '\t', '\r\n  '];

function gString(r: Rand): string {
  let s = '';
  const n = Math.floor(r() * 4);
  for (let k = 0; k < n; k++) s += spellAll(r, pick(r, TEXTS));
  return `"${s}"`;
}

function gValue(r: Rand, depth: number, nested = 0): string {
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

function gBody(r: Rand): string {
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
const INSERTS: readonly number[][] = [
  [0x22], [0x5c], [0x2c], [0x3a], [0x7b], [0x7d], [0x5b], [0x5d], [0x30], [0x2d], [0x2e], [0x65], [0x75], [0x20], [0x0a], [0x00], [0x01], [0x1f], [0x7f],
  [0x80], [0xbf], [0xc0, 0xa2], [0xc1, 0x9c], [0xe0, 0x80, 0xa2], [0xf0, 0x80, 0x80, 0xa2], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xb0, 0x80],
  [0xf4, 0x90, 0x80, 0x80], [0xff], [0xc3], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0x0c], [0x0b], [0xc2, 0x85],
  [...Buffer.from('\\u0000')], [...Buffer.from('\\ud800')], [...Buffer.from('\\udc00')], [...Buffer.from('\\ud83d\\ude00')], [...Buffer.from('"model":"claude-opus-4-5",')], [...Buffer.from('"stream":true,')], [...Buffer.from('"mo\\u0064el":"x",')],
];

function mutate(r: Rand, b: Buffer): Buffer {
  const at = Math.floor(r() * (b.length + 1));
  const op = r();
  if (op < 0.3) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  if (op < 0.75) return Buffer.concat([b.subarray(0, at), Buffer.from(pick(r, INSERTS)), b.subarray(at)]);
  if (op < 0.85) return b.subarray(0, at); // truncated
  if (op < 0.92) return Buffer.concat([b, Buffer.from(pick(r, INSERTS))]); // trailing bytes
  const len = 1 + Math.floor(r() * 12);
  return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); // a run repeated
}

// ---- the comparison ----

type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; code: string; message: string };

function lazyRead(bytes: Buffer): Outcome {
  try {
    const o = readJsonObjectLazily(bytes);
    // Members first (each from its own slice), the whole after: the two readings must agree.
    const got: Record<string, unknown> = {};
    for (const k of [...PROBES, ...Object.keys(o.whole())]) if (o.get(k) !== undefined) Object.defineProperty(got, k, { value: o.get(k), enumerable: true, configurable: true, writable: true });
    return { ok: true, value: got };
  } catch (e) {
    assert.ok(e instanceof WardenError, `not a WardenError: ${String(e)}`);
    return { ok: false, code: e.code, message: e.message };
  }
}
const PROBES = [...TOP_KEYS, '__proto__', 'valueOf', 'mo\\u0064el'];

function membersOf(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...PROBES, ...Object.keys(v)]) if (Object.hasOwn(v, k)) Object.defineProperty(out, k, { value: v[k], enumerable: true, configurable: true, writable: true });
  return out;
}

function outcomeOfDoor(bytes: Buffer, whole: boolean): string {
  try {
    const p = parseMessagesBody(bytes, whole);
    return `ok ${p.model} ${p.stream} tools=${JSON.stringify(p.body.get('tools'))} system=${JSON.stringify(p.body.get('system'))} max=${String(p.body.get('max_tokens'))}`;
  } catch (e) {
    assert.ok(e instanceof WardenError, `not a WardenError: ${String(e)}`);
    return `${e.code} ${e.message}`;
  }
}

const show = (b: Buffer) => `${JSON.stringify(b.toString('latin1').slice(0, 600))} (hex ${b.subarray(0, 300).toString('hex')}${b.length > 300 ? '…' : ''}, ${b.length} bytes)`;

describe('the lazy read against an independent strict parser and JSON.parse of the whole', () => {
  test('on 30,000 generated and byte-mutated bodies: same acceptance, same members, same door outcome', () => {
    const r = prng(20261205);
    const tally = { accepted: 0, refused: 0, syntax: 0, utf8: 0, deep: 0, codeSplit: 0 };
    for (let n = 0; n < 30_000; n++) {
      let bytes: Buffer = Buffer.from(gBody(r));
      for (let k = Math.floor(r() * 3); k > 0; k--) bytes = mutate(r, bytes);

      let ref: unknown;
      let refKind: Refused['kind'] | 'ok' = 'ok';
      try {
        ref = refParse(bytes);
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        refKind = e.kind;
      }
      let parsed: unknown;
      let parses = true;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch {
        parses = false;
      }
      // The reference is a JSON parser: where it accepts, JSON.parse of the whole agrees.
      if (refKind === 'ok') assert.deepEqual(ref, parsed, show(bytes));
      if (refKind === 'syntax') assert.ok(!parses, `reference says syntax, JSON.parse accepts: ${show(bytes)}`);

      const lazy = lazyRead(bytes);
      const isObject = refKind === 'ok' && ref !== null && typeof ref === 'object' && !Array.isArray(ref);
      assert.equal(lazy.ok, isObject, `lazy ${lazy.ok ? 'accepts' : 'refuses'}, reference ${refKind}: ${show(bytes)}${lazy.ok ? '' : ` ${lazy.message}`}`);
      if (lazy.ok) {
        assert.deepEqual(lazy.value, membersOf(ref as Record<string, unknown>), show(bytes));
        assert.deepEqual(lazy.value, membersOf(parsed as Record<string, unknown>), show(bytes));
        tally.accepted++;
      } else if (refKind === 'ok') {
        assert.equal(lazy.code, 'WARDEN_E_BAD_REQUEST', show(bytes));
      } else if (refKind === 'utf8' || (parses && refKind !== 'syntax')) {
        // Valid JSON refused for what parsers read differently (or bytes that are not UTF-8): named as such.
        assert.equal(lazy.code, 'WARDEN_E_JSON_REFUSED', `${lazy.message}: ${show(bytes)}`);
        if (refKind === 'utf8') tally.utf8++;
        else if (refKind === 'too-deep') tally.deep++;
        tally.refused++;
      } else {
        assert.ok(lazy.code === 'WARDEN_E_BAD_JSON' || lazy.code === 'WARDEN_E_JSON_REFUSED', `${lazy.code}: ${show(bytes)}`);
        tally.syntax++;
      }

      // The door's reading with the request guard on (readJson) and off (lazy): the same verdict.
      const on = outcomeOfDoor(bytes, true);
      const off = outcomeOfDoor(bytes, false);
      if (parses || refKind === 'utf8') assert.equal(off, on, show(bytes));
      else {
        // Text that is not JSON and also holds a refused construct: either code may come first.
        assert.notEqual(on.slice(0, 3), 'ok ', show(bytes));
        assert.notEqual(off.slice(0, 3), 'ok ', show(bytes));
        if (on.split(' ')[0] !== off.split(' ')[0]) tally.codeSplit++;
      }
    }
    // The generator is worth something only if it reaches every verdict often.
    assert.ok(tally.accepted > 5_000 && tally.refused > 2_000 && tally.syntax > 5_000 && tally.utf8 > 500 && tally.deep > 50, JSON.stringify(tally));
  });

  test('many keys (the linear search turns into a Set past 16) and escape runs inside strings', () => {
    const r = prng(1205);
    const soup = ['\\\\', '\\"', '\\/', '\\u0022', '\\u005c', '\\u005C', '\\\\\\"', 'a', 'é', '\\ud83d\\ude00', '\\n'];
    const bad = ['"', '\\', '\\ud83d', '\\\\\\'];
    let accepted = 0;
    let refused = 0;
    for (let n = 0; n < 6_000; n++) {
      const count = Math.floor(r() * 40);
      const keys = Array.from({ length: count }, (_, k) => `k${k}`);
      if (count > 1 && r() < 0.5) keys.splice(Math.floor(r() * count), 0, keys[Math.floor(r() * count)]!);
      const value = () => `"${Array.from({ length: Math.floor(r() * 6) }, () => (r() < 0.985 ? pick(r, soup) : pick(r, bad))).join('')}"`;
      const obj = (depth: number): string => `{${keys.map((k) => `"${spellAll(r, k)}":${depth < 2 && r() < 0.1 ? obj(depth + 1) : value()}`).join(',')}}`;
      const bytes = Buffer.from(`{"model":"claude-haiku-4-5",${r() < 0.5 ? `"x":${obj(1)},` : ''}${obj(1).slice(1)}`.replace(/,}$/, '}'));
      let refOk = true;
      let ref: unknown;
      try {
        ref = refParse(bytes);
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        refOk = false;
      }
      const lazy = lazyRead(bytes);
      assert.equal(lazy.ok, refOk, show(bytes));
      if (lazy.ok) {
        assert.deepEqual(lazy.value, membersOf(ref as Record<string, unknown>), show(bytes));
        accepted++;
      } else refused++;
      const [on, off] = [outcomeOfDoor(bytes, true), outcomeOfDoor(bytes, false)];
      let parses = true;
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch {
        parses = false;
      }
      if (parses) assert.equal(off, on, show(bytes));
      else assert.ok(!on.startsWith('ok ') && !off.startsWith('ok '), show(bytes));
    }
    assert.ok(accepted > 500 && refused > 1_000, `accepted ${accepted}, refused ${refused}`);
  });

  test('hand-picked bodies', () => {
    const B = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));
    const refused: Array<[Buffer, string]> = [
      [B('{"model":"a","model":"b"}'), 'duplicate key "model"'],
      [B('{"model":"a","mo\\u0064el":"b"}'), 'duplicate key "model"'],
      [B('{"m\\u006Fdel":"a","model":"b"}'), 'duplicate key "model"'],
      [B('{"model":"claude-haiku-4-5","stream":false,"\\u0073tream":true}'), 'duplicate key "stream"'],
      [B('{"model":"claude-haiku-4-5","é":1,"\\u00e9":2}'), 'duplicate key "é"'],
      [B('{"model":"claude-haiku-4-5","😀":1,"\\ud83d\\ude00":2}'), 'duplicate key "😀"'],
      [B('{"model":"claude-haiku-4-5","tools":[{"name":"Read","n\\u0061me":"Bash"}]}'), 'tools[0]: duplicate key "name"'],
      [B('{"model":"claude-haiku-4-5","\\u005f_proto__":{"stream":true}}'), '"__proto__" key is refused'],
      [B('{"model":"claude-haiku-4-5","x":"\\udc00"}'), 'lone UTF-16 surrogate'],
      [B('{"model":"claude-haiku-4-5","x":"\\ud800\\u0041"}'), 'lone UTF-16 surrogate'],
      [B('{"model":"claude-haiku-4-5","x":"\\ud800\\ud800\\udc00"}'), 'lone UTF-16 surrogate'],
      [B('{"model":"claude-haiku-4-5","x":' + '['.repeat(128) + ']'.repeat(128) + '}'), 'nest deeper than 128'],
      [B([0x7b, 0x22, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0x61, 0xc0, 0xa2, 0x2c, 0x22, 0x73, 0x22, 0x3a, 0x31, 0x7d]), 'not valid UTF-8'], // overlong `"`
      [B([0x7b, 0x22, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0xc1, 0x9c, 0x22, 0x7d]), 'not valid UTF-8'], // overlong `\`
      [B([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), 'not valid UTF-8'], // a surrogate in UTF-8 (CESU)
      [B([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x7d]), 'not valid UTF-8'], // past U+10FFFF
    ];
    for (const [b, why] of refused) {
      for (const whole of [true, false]) {
        const out = outcomeOfDoor(b, whole);
        assert.match(out, /^WARDEN_E_JSON_REFUSED /, `${show(b)} whole=${whole}: ${out}`);
        assert.ok(out.includes(why), `${out} should say ${why}`);
      }
    }
    const notJson = ['\ufeff{"model":"claude-haiku-4-5"}', '{"model":"claude-haiku-4-5"}\u00a0', '{"model":"claude-haiku-4-5"}\u2028', '{\f"model":"claude-haiku-4-5"}', '{"model":"claude-haiku-4-5"}\u0000', '{"model":"claude-haiku-4-5"} {}', '{"model":"claude-haiku-4-5"', '{"model":"claude-haiku-4-5",}', '{"model":"claude-haiku-4-5","x":01}', '{"model":"claude-haiku-4-5","x":.5}', '{"model":"claude-haiku-4-5","x":+1}', '{"model":"claude-haiku-4-5","x":NaN}', '{"model":"claude-haiku-4-5","x":"a\u0000b"}', '{"model":"claude-haiku-4-5","x":\'a\'}', '{"model":"claude-haiku-4-5","x":"\\x41"}', '{"model":"claude-haiku-4-5","x":"\\u12"}', '{model:"claude-haiku-4-5"}'];
    for (const s of notJson) {
      for (const whole of [true, false]) assert.match(outcomeOfDoor(B(s), whole), /^WARDEN_E_BAD_JSON /, `${JSON.stringify(s)} whole=${whole}`);
    }
    // Accepted, with the members JSON.parse gives (infinities, -0, a model spelled with escapes, U+2028 in strings).
    const ok = '{"mo\\u0064el":"claude-h\\u0061iku-4-5","stream":true,"max_tokens":1e999,"x":-0,"system":"a\u2028b\u00a0c","tools":[{"name":"R\\u0065ad"}],"messages":[]}';
    for (const whole of [true, false]) {
      const p = parseMessagesBody(B(ok), whole);
      assert.equal(p.model, 'claude-haiku-4-5');
      assert.equal(p.stream, true);
      assert.equal(p.body.get('max_tokens'), Infinity);
      assert.ok(Object.is(p.body.get('x'), -0));
      assert.equal(p.body.get('system'), 'a\u2028b\u00a0c');
      assert.deepEqual(p.body.get('tools'), [{ name: 'Read' }]);
    }
    // A body refused on one path is refused on the other even when a readJson call came between.
    assert.equal(outcomeOfDoor(B('{"model":"claude-haiku-4-5","a":{"b":1,"c":2},"b":{"b":1}}'), false).slice(0, 3), 'ok ');
    assert.throws(() => readJson(B('{"a":{"b":1,"b":2}}')), /duplicate key "b"/);
    assert.throws(() => readJsonObjectLazily(B('{"a":{"b":1},"c":{"b":1,"b":2}}')), /c: duplicate key "b"/);
  });
});
