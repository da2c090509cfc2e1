import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WardenError } from '../core/errors.js';
import { limitsSchema } from './config.js';
import { Limiter } from './limiter.js';
import { toolCallFingerprint } from './loop.js';
import { MemoryBackend } from './memory.js';

const turn = (id: string, input: Record<string, unknown>) => [
  { role: 'user', content: 'fix the build' },
  { role: 'assistant', content: [{ type: 'text', text: 'Running it.' }, { type: 'tool_use', id, name: 'Bash', input }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'error' }] },
];

test('the fingerprint ignores tool-use ids and key order, and sees only the latest assistant turn', () => {
  const a = toolCallFingerprint(turn('toolu_1', { command: 'npm test', timeout: 5 }));
  const b = toolCallFingerprint(turn('toolu_2', { timeout: 5, command: 'npm test' }));
  const c = toolCallFingerprint(turn('toolu_3', { command: 'npm run build', timeout: 5 }));
  assert.match(a!, /^[0-9a-f]{32}$/);
  assert.equal(a, b);
  assert.notEqual(a, c);
  const later = [...turn('toolu_1', { command: 'npm test' }), { role: 'assistant', content: [{ type: 'text', text: 'done' }] }, { role: 'user', content: 'thanks' }];
  assert.equal(toolCallFingerprint(later), undefined);
  assert.equal(toolCallFingerprint('not messages'), undefined);
  assert.equal(toolCallFingerprint([{ role: 'assistant', content: 'plain' }]), undefined);
});

test('a loop rule refuses the same tool call repeated too often in one session, without retry', async () => {
  const cfg = limitsSchema.parse({ rules: [{ id: 'runaway', scope: 'session', loop: { repeats: 3, window: '10m' } }] });
  const limiter = new Limiter(cfg, new MemoryBackend());
  const ctx = (sessionId: string, command: string, id: string) => ({
    keyId: 'key_abc',
    consumer: { name: 'alice', groups: [], labels: {} },
    sessionId,
    model: 'claude-sonnet-4-5',
    estimatedInputTokens: 100,
    toolCall: toolCallFingerprint(turn(id, { command })),
  });
  for (let i = 0; i < 3; i++) await limiter.check(ctx('s1', 'npm test', `toolu_${i}`));
  await limiter.check(ctx('s1', 'npm run lint', 'toolu_x'));
  await limiter.check(ctx('s2', 'npm test', 'toolu_y'));
  await limiter.check({ ...ctx('s1', 'npm test', 'toolu_z'), toolCall: undefined });
  await assert.rejects(limiter.check(ctx('s1', 'npm test', 'toolu_4')), (e: unknown) => {
    assert.ok(e instanceof WardenError);
    assert.equal(e.code, 'WARDEN_E_LOOP_DETECTED');
    assert.equal(e.rule, 'runaway');
    assert.equal(e.message, 'the same tool call was asked for more than 3 times within 10m in session s1: the agent looks stuck in a loop (rule runaway)');
    return true;
  });
});
