/**
 * The lazy strict read agrees with the full one (scanJson, then JSON.parse) on every text:
 * the same texts accepted, the same refusals, and each member's slice parses to the value
 * JSON.parse gives that member. Texts are generated JSON, then mutated byte by byte.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../prng.js';
import { JsonRefusal, scanJson } from './scan.js';
import { JsonSyntax, validateJson } from './validate.js';
import { readJson, readJsonObjectLazily } from './read.js';
import { WardenError } from '../errors.js';

type Verdict = { kind: 'ok' } | { kind: 'refused'; message: string } | { kind: 'syntax' };

/** A refusal's verdict: a text that is not JSON either may be refused or not, so it counts as a syntax error. */
function refusal(text: string, e: JsonRefusal): Verdict {
  try {
    JSON.parse(text);
  } catch {
    return { kind: 'syntax' };
  }
  return { kind: 'refused', message: e.message };
}

function full(text: string): Verdict {
  try {
    scanJson(text);
  } catch (e) {
    if (e instanceof JsonRefusal) return refusal(text, e);
    // The scan parses an escaped key with JSON.parse: a broken one is the text's syntax error.
    if (e instanceof SyntaxError) return { kind: 'syntax' };
    throw e;
  }
  try {
    JSON.parse(text);
  } catch {
    return { kind: 'syntax' };
  }
  return { kind: 'ok' };
}

/** `bytes`: the door's way, over the latin1 view of the UTF-8 bytes. */
function lazy(text: string, bytes = false): Verdict {
  try {
    if (bytes) {
      const b = Buffer.from(text);
      validateJson(b.toString('latin1'), undefined, b);
    } else validateJson(text);
    return { kind: 'ok' };
  } catch (e) {
    if (e instanceof JsonRefusal) return refusal(text, e);
    assert.ok(e instanceof JsonSyntax, String(e));
    return { kind: 'syntax' };
  }
}

const PIECES = ['a', 'é', '😀', '\\n', '\\"', '\\\\', '\\/', '\\u0041', '\\ud83d\\ude00', '\\ud800', '\\udc00x', '\\u00e9', ' ', '\t', '__proto__', 'model', '\\u005f_proto__'];

function genString(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  return `"${s}"`;
}

function ws(r: () => number): string {
  return r() < 0.7 ? '' : [' ', '\n', '\t', '\r\n  '][Math.floor(r() * 4)]!;
}

function genValue(r: () => number, depth: number): string {
  const k = r();
  if (depth > 4 || k < 0.35) {
    const p = r();
    if (p < 0.4) return genString(r);
    if (p < 0.7) return ['0', '-1', '12.5', '1e3', '-0.0E-2', '123456789012345678901234567890'][Math.floor(r() * 6)]!;
    return ['true', 'false', 'null'][Math.floor(r() * 3)]!;
  }
  const n = Math.floor(r() * 4);
  if (k < 0.65) return `[${ws(r)}${Array.from({ length: n }, () => genValue(r, depth + 1)).join(`${ws(r)},${ws(r)}`)}${ws(r)}]`;
  const keys = ['model', 'stream', 'a', 'b', 'text', 'mod\\u0065l', 'c', 'é', '\\u00e9', '😀', '\\ud83d\\ude00', 'ke\\"y', 'ke\\u0022y'];
  return `{${ws(r)}${Array.from({ length: n }, () => `${keys[Math.floor(r() * keys.length)]!.replace(/^/, '"')}"${ws(r)}:${ws(r)}${genValue(r, depth + 1)}`).join(`${ws(r)},${ws(r)}`)}${ws(r)}}`;
}

const MUTATIONS = ['"', '\\', ',', ':', '{', '}', '[', ']', '0', '-', '.', 'e', '+', 't', 'x', ' ', '\n', '\u0001', '\u001f', 'u', 'ud800'];

function mutate(r: () => number, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const op = r();
  if (op < 0.4) return text.slice(0, at) + text.slice(at + 1);
  if (op < 0.8) return text.slice(0, at) + MUTATIONS[Math.floor(r() * MUTATIONS.length)]! + text.slice(at);
  const len = Math.floor(r() * 8);
  return text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
}

describe('validateJson agrees with scanJson + JSON.parse', () => {
  test('on 60,000 generated and mutated texts: same verdict, same refusal message', () => {
    const r = prng(14);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 60_000; i++) {
      let text = r() < 0.8 ? `{${ws(r)}"model"${ws(r)}:${ws(r)}${genString(r)},"x":${genValue(r, 1)}}` : genValue(r, 0);
      const mutations = Math.floor(r() * 3);
      for (let k = 0; k < mutations; k++) text = mutate(r, text);
      const a = full(text);
      assert.deepEqual(lazy(text), a, `text ${JSON.stringify(text)}`);
      // A mutation may split a surrogate pair: UTF-8 bytes then carry U+FFFD, as a client's would.
      const sent = Buffer.from(text).toString('utf8');
      assert.deepEqual(lazy(sent, true), sent === text ? a : full(sent), `bytes of ${JSON.stringify(text)}`);
      if (a.kind === 'ok') accepted++;
      if (a.kind === 'refused') refused++;
    }
    // The generator is worth something only if it reaches every verdict often.
    assert.ok(accepted > 10_000 && refused > 1_000, `accepted ${accepted}, refused ${refused}`);
  });

  test('every member slice parses to the value JSON.parse gives it', () => {
    const r = prng(7);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = `{${ws(r)}"model"${ws(r)}:${ws(r)}${genString(r)}${ws(r)},"x":${genValue(r, 1)},"y"${ws(r)}:${ws(r)}${genValue(r, 1)}${ws(r)}}`;
      if (full(text).kind !== 'ok') continue;
      const whole = JSON.parse(text) as Record<string, unknown>;
      const lazyObj = readJsonObjectLazily(Buffer.from(text));
      const top = validateJson(text)!;
      assert.deepEqual(top.keys, Object.keys(whole));
      for (const k of top.keys) assert.deepEqual(lazyObj.get(k), whole[k], text);
      assert.equal(lazyObj.get('absent'), undefined);
      assert.equal(lazyObj.get('constructor'), undefined);
      checked++;
    }
    assert.ok(checked > 5_000, `checked ${checked}`);
  });

  test('the same error codes and messages as readJson', () => {
    const cases = [
      '{"model":"a","model":"b"}',
      '{"a":"\\ud800"}',
      '{"__proto__":{}}',
      '{"a":[1,2,{"b":1,"b":2}]}',
      '{"a":' + '['.repeat(200) + ']'.repeat(200) + '}',
      '{"a":1,}',
      '{"a":01}',
      '{"a":"\u0001"}',
      '{"a":"\\x"}',
      '{"a":1} x',
      '',
      '\ufeff{}',
    ];
    for (const text of cases) {
      const err = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          assert.ok(e instanceof WardenError);
          return `${e.code} ${e.message}`;
        }
        return 'accepted';
      };
      assert.equal(err(() => readJsonObjectLazily(Buffer.from(text))), err(() => readJson(Buffer.from(text))), text);
    }
    assert.throws(() => readJsonObjectLazily(Buffer.from('[1]')), /must be a JSON object/);
    assert.throws(() => readJsonObjectLazily(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/);
  });
});
