import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from './document.js';
import { evaluateModelScope } from './model-scope.js';

const key = { id: 'key_1', models: ['claude-haiku-*'] };
const consumer = { name: 'dev', models: ['claude-*'] };

// [document, expected rule or null]: model scope judges only requests that name a model.
const cases: [Record<string, unknown>, string | null][] = [
  [{ door: 'http', time: 0, key, consumer }, null],
  [{ door: 'mcp', time: 0, key, consumer }, null],
  [{ door: 'llm', time: 0, key, consumer, llm: { model: 'claude-haiku-4' } }, null],
  [{ door: 'llm', time: 0, key, consumer, llm: { model: 'claude-opus-4' } }, 'scope.key.models'],
  [{ door: 'llm', time: 0, key: { id: 'key_2', models: [] }, consumer, llm: { model: 'gpt-4o' } }, 'scope.consumer.models'],
];

test('model scope: no opinion without a model, a 403 deny naming the scope otherwise', () => {
  for (const [raw, rule] of cases) {
    const d = evaluateModelScope(parseDocument(raw));
    if (rule === null) assert.equal(d, null, JSON.stringify(raw));
    else assert.deepEqual([d?.outcome, d?.rule, d?.status], ['deny', rule, 403], JSON.stringify(raw));
  }
});
