import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../errors.js';
import { MAX_JSON_DEPTH, readJson } from './read.js';

const read = (text: string | Buffer) => readJson(typeof text === 'string' ? Buffer.from(text) : text);

function refused(text: string | Buffer, message: RegExp, code = 'WARDEN_E_JSON_REFUSED') {
  assert.throws(() => read(text), (e: unknown) => {
    assert.ok(e instanceof WardenError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const nest = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
const nestObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('readJson: duplicate keys at every level are refused with the key path', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['top level', '{"model":"a","messages":[],"model":"b"}', /^request body: \(top level\): duplicate key "model"$/],
    ['top level messages', '{"messages":[{"role":"user","content":"sk-secret"}],"messages":[]}', /\(top level\): duplicate key "messages"/],
    ['message', '{"messages":[{"role":"user","content":"x"},{"role":"user","content":"a","content":"b"}]}', /messages\[1\]: duplicate key "content"/],
    ['block', '{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]},{},{"role":"user","content":[{"type":"text","text":"secret","text":"clean"}]}]}', /messages\[2\]\.content\[0\]: duplicate key "text"/],
    ['nested tool_result', '{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a","text":"b"}]}]}]}', /messages\[0\]\.content\[0\]\.content\[0\]: duplicate key "text"/],
    ['tool_use input', '{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"rm -rf /","command":"ls"}}]}]}', /messages\[0\]\.content\[0\]\.input: duplicate key "command"/],
    ['tools', '{"tools":[{"name":"a","input_schema":{}},{"name":"b","name":"c","input_schema":{}}]}', /tools\[1\]: duplicate key "name"/],
    ['tool input_schema', '{"tools":[{"name":"a","input_schema":{"type":"object","properties":{"p":{},"p":{}}}}]}', /tools\[0\]\.input_schema\.properties: duplicate key "p"/],
    ['metadata', '{"metadata":{"user_id":"u1","user_id":"u2"}}', /metadata: duplicate key "user_id"/],
    ['system block', '{"system":[{"type":"text","text":"a","cache_control":{"type":"ephemeral","type":"x"}}]}', /system\[0\]\.cache_control: duplicate key "type"/],
    ['escaped equal key', '{"model":"claude-a","mod\\u0065l":"claude-b"}', /\(top level\): duplicate key "model"/],
    ['escaped both', '{"\\u0074ext":"a","t\\u0065xt":"b"}', /duplicate key "text"/],
    ['escaped solidus', '{"a/b":1,"a\\/b":2}', /duplicate key "a\/b"/],
    ['surrogate pair escape vs literal', '{"😀":1,"\\ud83d\\ude00":2}', /duplicate key "😀"/],
    ['after a nested object closes', '{"a":{"x":1,"y":{"z":1}},"b":2,"a":3}', /\(top level\): duplicate key "a"/],
    ['many keys (set path)', `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k7":0}`, /duplicate key "k7"/],
    ['after a value ending in an escaped backslash', '{"a":"x\\\\","a":1}', /\(top level\): duplicate key "a"/],
    ['after a value holding an escaped quote', '{"a":"\\"","a":1}', /\(top level\): duplicate key "a"/],
    ['after 1000 escaped backslashes', `{"a":"${'\\\\'.repeat(1000)}","a":1}`, /\(top level\): duplicate key "a"/],
    ['keys holding an escaped backslash', '{"a\\\\b":1,"a\\\\b":2}', /duplicate key "a\\\\b"/],
    ['odd key rendered in the path', '{"x y":{"a":1,"a":2}}', /\["x y"\]: duplicate key "a"/],
    ['long key is cut in the message', `{"${'s'.repeat(80)}":1,"${'s'.repeat(80)}":2}`, /duplicate key "s{12}…\(80 chars\)"/],
  ];
  for (const [name, text, message] of cases) test(name, () => refused(text, message));
});

describe('readJson: the same key in different objects, and lookalikes, are fine', () => {
  const cases: Array<[string, string]> = [
    ['siblings', '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}'],
    ['parent and child', '{"a":{"a":{"a":1}}}'],
    ['keys that differ by case', '{"Model":1,"model":2}'],
    ['key equal to a value', '{"a":"b","b":"a"}'],
    ['escaped quote in key', '{"a\\"b":1,"a":2,"b":3}'],
    ['quotes and backslashes in values', '{"a":"\\\\","b":"\\"}{[","c":"\\\\\\""}'],
    ['40 distinct keys', `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
    ['valid surrogate pair', '{"t":"\\ud83d\\ude00"}'],
    ['escaped backslash followed by the letters ud800', '{"t":"\\\\ud800"}'],
    ['escaped quotes and backslashes around a pair', '{"t":"\\"\\\\\\ud83d\\ude00\\\\"}'],
    ['non-BMP literal', '{"t":"😀 ü"}'],
  ];
  for (const [name, text] of cases) test(name, () => assert.deepEqual(read(text), JSON.parse(text)));
});

describe('readJson: lone surrogate escapes, __proto__ and bad UTF-8 are refused', () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['lone high in a key', '{"mod\\ud800el":1}', /\(top level\): a \\u escape leaves a lone UTF-16 surrogate/],
    ['lone low in a key', '{"a\\udc00":1}', /lone UTF-16 surrogate/],
    ['lone high at the end of a value', '{"messages":[{"content":"abc\\ud83d"}]}', /messages\[0\]\.content: a \\u escape leaves a lone/],
    ['high followed by a non-low escape', '{"t":"\\ud83d\\u0041"}', /lone UTF-16 surrogate/],
    ['two highs', '{"t":"\\ud83d\\ud83d"}', /lone UTF-16 surrogate/],
    ['reversed pair', '{"t":"\\ude00\\ud83d"}', /lone UTF-16 surrogate/],
    ['uppercase hex', '{"t":"\\uD800x"}', /lone UTF-16 surrogate/],
    ['escaped backslash, then a lone surrogate escape', '{"t":"\\\\\\ud800"}', /lone UTF-16 surrogate/],
    ['lone surrogate in the second of two strings', '{"a":"\\u0041","b":"\\udfff"}', /b: a \\u escape leaves a lone/],
    ['__proto__ at the top', '{"__proto__":{"admin":true}}', /\(top level\): a "__proto__" key is refused/],
    ['__proto__ escaped', '{"a":{"\\u005f_proto__":1}}', /a: a "__proto__" key is refused/],
    ['invalid UTF-8 byte', Buffer.concat([Buffer.from('{"t":"sk-ant-'), Buffer.from([0xff]), Buffer.from('"}')]), /not valid UTF-8/],
    ['overlong UTF-8', Buffer.concat([Buffer.from('{"t":"'), Buffer.from([0xc0, 0xa2]), Buffer.from('"}')]), /not valid UTF-8/],
    ['UTF-8 encoded surrogate', Buffer.concat([Buffer.from('{"t":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), /not valid UTF-8/],
  ];
  for (const [name, text, message] of cases) test(name, () => refused(text, message));
  test('"__proto__" as a value and "constructor" as a key are ordinary', () => {
    assert.deepEqual(read('{"a":"__proto__","constructor":1}'), { a: '__proto__', constructor: 1 });
  });
});

describe(`readJson: nesting up to ${MAX_JSON_DEPTH} levels is read, deeper is refused without recursion`, () => {
  const cases: Array<[string, string, boolean]> = [
    ['arrays at the limit', nest(MAX_JSON_DEPTH, '[', ']'), true],
    ['arrays one over', nest(MAX_JSON_DEPTH + 1, '[', ']'), false],
    ['objects at the limit', nestObjects(MAX_JSON_DEPTH), true],
    ['objects one over', nestObjects(MAX_JSON_DEPTH + 1), false],
    ['100,000 nested tool_result blocks', '{"messages":[{"role":"user","content":' + '[{"type":"tool_result","tool_use_id":"t","content":'.repeat(100_000) + '"x"' + '}]'.repeat(100_000) + '}]}', false],
    ['1,000,000 nested arrays', nest(1_000_000, '[', ']'), false],
    ['brackets inside strings do not count', JSON.stringify({ t: '['.repeat(10_000) + '{'.repeat(10_000) }), true],
  ];
  for (const [name, text, ok] of cases) {
    test(name, () => {
      if (ok) assert.deepEqual(read(text), JSON.parse(text));
      else refused(text, new RegExp(`nest deeper than ${MAX_JSON_DEPTH} levels`));
    });
  }
  test('the refusal names where the limit was crossed', () => {
    refused('{"messages":[{"content":' + nest(200, '[', ']') + '}]}', /messages\[0\]\.content\[0\]\[0\].*: objects and arrays nest deeper than 128/);
  });
});

describe('readJson: text that is not JSON keeps the syntax code', () => {
  const cases = ['', '{', '{"a":1', '{"a":1}}', ']', '{"a" 1}', '{"a":"\\x"}', '{"a":"\\u12"}', '"unterminated', '{"a":1,}', '\ufeff{}'];
  for (const text of cases) test(JSON.stringify(text), () => refused(text, /^request body is not valid JSON/, 'WARDEN_E_BAD_JSON'));
  test('a door may name its own syntax code', () => {
    assert.throws(() => readJson(Buffer.from('{'), { syntaxCode: 'WARDEN_E_ADMIN_BAD_INPUT', what: 'body' }), (e: unknown) => e instanceof WardenError && e.code === 'WARDEN_E_ADMIN_BAD_INPUT' && /^body is not valid JSON/.test(e.message));
  });
});

describe('readJson: values are exactly JSON.parse', () => {
  const cases = ['{}', '[]', '1', '"s"', 'null', '{"a":[1,2.5e3,-0,true,false,null,{"b":"c"}],"d":"\\n\\t\\u00e9"}', ' \n{ "a" : [ ] , "b" : { } } \n'];
  for (const text of cases) test(JSON.stringify(text), () => assert.deepEqual(read(text), JSON.parse(text)));
});
