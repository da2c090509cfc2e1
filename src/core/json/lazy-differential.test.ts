/**
 * A second reader of the LLM door's lazy read (validate.ts + read.ts): UTF-8 bytes, generated
 * as Anthropic-shaped bodies and mutated byte by byte, are read three ways — the lazy read,
 * readJson (scanJson + JSON.parse, what the door does with the request guard on) and a strict
 * recursive-descent parser written from RFC 8259 (test/support/json-reference-parser.ts) that shares no code with scan.ts or
 * validate.ts. They must accept the same bodies, and on an accepted body every member the
 * lazy read hands out is the value JSON.parse of the whole gives it (and the reference's).
 * A refusal of valid JSON must be WARDEN_E_JSON_REFUSED on both paths, never a syntax error.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../prng.js';
import { WardenError } from '../errors.js';
import { readJson, readJsonObjectLazily } from './read.js';
import { parseMessagesBody } from '../../doors/llm/messages.js';
import { Refused, refParse } from '../../../test/support/json-reference-parser.js';
import { gBody, mutate, pick, spellAll, TOP_KEYS } from '../../../test/support/json-bodies.js';

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
