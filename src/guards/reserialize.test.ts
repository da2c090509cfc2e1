import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reserialize, stringifyIteratively } from './reserialize.js';

/** `v` under `levels` containers, alternating objects (with siblings of every kind) and arrays. */
function bury(v: unknown, levels: number): unknown {
  let node = v;
  for (let i = 0; i < levels; i++) node = i % 2 ? [1, node, 'x'] : { before: null, skip: undefined, node, after: [true, {}] };
  return node;
}

test('the iterative writer gives JSON.stringify’s output for what JSON.parse produces, on deep paths and shallow subtrees alike', () => {
  const samples = [
    '{}', '[]', 'null', '"x"', '12.5e3', 'true',
    '{"a":[1,2,{"b":null,"c":"q\\"uote\\n\\u0001😀"}],"d":{},"e":[],"f":[[[]]],"__proto__":{"x":1}}',
    '[{"type":"text","text":"hello"},{"k":-0.0,"big":12345678901234567890}]',
  ];
  for (const s of samples) {
    for (const levels of [0, 1, 300, 600]) {
      const v = bury(JSON.parse(s), levels);
      // 600 levels is still within JSON.stringify's reach, and deep enough for the writer's own path.
      assert.equal(stringifyIteratively(v), JSON.stringify(v), `${s} under ${levels}`);
    }
  }
  const withHoles = bury({ a: undefined, b: 1, c: [undefined, () => 1] }, 400);
  assert.equal(stringifyIteratively(withHoles), JSON.stringify(withHoles));
});

test('a body nested 20,000 levels deep (JSON.stringify overflows at a few thousand) is written without overflowing the stack', () => {
  let text = '{"type":"text","text":"x"}';
  for (let i = 0; i < 20_000; i++) text = `{"type":"tool_result","content":[${text}]}`;
  const out = reserialize(JSON.parse(text));
  assert.equal(out.toString(), text);
});
