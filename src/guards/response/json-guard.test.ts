import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentReply, renderMessage, textReply, toolUseReply, type MessageReply } from '../../../test/support/sse.js';
import { guardJsonResponse } from './json-guard.js';
import { AWS_KEY, GITHUB_TOKEN, realRedactor } from './testing.js';
import type { ToolJudge, ToolVerdict } from './types.js';

const redactor = realRedactor();
const noBash: ToolJudge = (call) => (call.name === 'Bash' ? { allow: false, reason: 'Bash is not allowed here', rule: 'deny: Bash' } : { allow: true, rule: 'allow: Read' });

function body(reply: MessageReply): Buffer {
  return Buffer.from(JSON.stringify(renderMessage(reply, 'claude-test')));
}

describe('guardJsonResponse', () => {
  test('text blocks are masked and the rest of the message kept', async () => {
    const input = body(textReply(`Use ${AWS_KEY} and ${GITHUB_TOKEN}.`));
    const r = await guardJsonResponse(input, { redactor });
    assert.equal(r.changed, true);
    const msg = JSON.parse(r.body.toString());
    assert.equal(msg.content[0].text, 'Use [REDACTED:aws-access-token] and [REDACTED:github-pat].');
    assert.deepEqual({ ...msg, content: null }, { ...JSON.parse(input.toString()), content: null });
    assert.deepEqual(r.events.map((e) => e.type === 'finding' && [e.id, e.action, e.index]).sort(), [['secrets:aws-access-token', 'redact', 0], ['secrets:github-pat', 'redact', 0]]);
  });

  test('nothing to change: the very same bytes', async () => {
    const input = body(contentReply([{ type: 'text', text: 'All clear.' }, { type: 'tool_use', id: 'toolu_r', name: 'Read', input: { file_path: '/src/a.ts' } }], 'tool_use'));
    const r = await guardJsonResponse(input, { redactor, judgeTool: noBash });
    assert.equal(r.changed, false);
    assert.equal(r.body, input);
    assert.deepEqual(r.events, [{ type: 'tool', decision: 'allow', id: 'toolu_r', name: 'Read', index: 1, rule: 'allow: Read' }]);
  });

  test('a denied call becomes a text block and stop_reason end_turn', async () => {
    const input = body(toolUseReply({ name: 'Bash', input: { command: 'rm -rf ~' }, text: 'Cleaning.', id: 'toolu_b' }));
    const r = await guardJsonResponse(input, { redactor, judgeTool: noBash, toolMessage: 'No {tool}: {reason}' });
    const msg = JSON.parse(r.body.toString());
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Cleaning.' }, { type: 'text', text: 'No Bash: Bash is not allowed here' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.ok(!r.body.toString().includes('rm -rf'));
    assert.deepEqual(r.events, [
      { type: 'tool', decision: 'deny', id: 'toolu_b', name: 'Bash', index: 1, reason: 'Bash is not allowed here', rule: 'deny: Bash' },
      { type: 'stop_reason', from: 'tool_use', to: 'end_turn' },
    ]);
  });

  test('one call allowed, one denied: stop_reason stays tool_use', async () => {
    const input = body(contentReply([
      { type: 'tool_use', id: 'toolu_r', name: 'Read', input: { file_path: '/src/a.ts' } },
      { type: 'tool_use', id: 'toolu_b', name: 'Bash', input: { command: 'git push --force' } },
    ], 'tool_use'));
    const r = await guardJsonResponse(input, { judgeTool: noBash });
    const msg = JSON.parse(r.body.toString());
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content[0], { type: 'tool_use', id: 'toolu_r', name: 'Read', input: { file_path: '/src/a.ts' } });
    assert.equal(msg.content[1].type, 'text');
  });

  test('judges run one at a time; async, throwing and rejecting judges', async () => {
    const input = body(contentReply([
      { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/a' } },
      { type: 'tool_use', id: 'toolu_2', name: 'Read', input: { file_path: '/b' } },
    ], 'tool_use'));
    let inFlight = 0;
    const order: string[] = [];
    const slow: ToolJudge = async (call) => {
      assert.equal(inFlight++, 0);
      order.push(call.id);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { allow: true };
    };
    assert.equal((await guardJsonResponse(input, { judgeTool: slow })).changed, false);
    assert.deepEqual(order, ['toolu_1', 'toolu_2']);
    for (const judge of [(): ToolVerdict => { throw new Error(AWS_KEY); }, () => Promise.reject(new Error(AWS_KEY))]) {
      const r = await guardJsonResponse(input, { judgeTool: judge });
      const msg = JSON.parse(r.body.toString());
      assert.match(msg.content[0].text, /the tool-use policy could not decide/);
      assert.equal(msg.stop_reason, 'end_turn');
      assert.ok(!r.body.includes(AWS_KEY) && !JSON.stringify(r.events).includes(AWS_KEY));
    }
  });

  test('malformed or oversized tool input is refused without the judge', async () => {
    let judged = 0;
    const judgeTool: ToolJudge = () => (judged++, { allow: true });
    const bad = Buffer.from(JSON.stringify({ ...renderMessage(toolUseReply({ name: 'Bash', input: {} }), 'm'), content: [{ type: 'tool_use', id: 'toolu_x', name: 'Bash', input: 'ls' }] }));
    const r1 = await guardJsonResponse(bad, { judgeTool });
    assert.match(JSON.parse(r1.body.toString()).content[0].text, /malformed tool input/);
    const big = body(toolUseReply({ name: 'Write', input: { content: 'x'.repeat(3000) } }));
    const r2 = await guardJsonResponse(big, { judgeTool, maxToolBytes: 1024 });
    assert.match(JSON.parse(r2.body.toString()).content[0].text, /tool input too large/);
    assert.equal(judged, 0);
  });

  test('bodies that are not a message pass unchanged', async () => {
    for (const text of ['<html>bad gateway</html>', '{"type":"error","error":{"type":"overloaded_error","message":"' + AWS_KEY + '"}}', '[1,2]', '']) {
      const input = Buffer.from(text);
      const r = await guardJsonResponse(input, { redactor, judgeTool: noBash });
      assert.equal(r.body, input);
      assert.equal(r.changed, false);
    }
  });

  test('thinking blocks and their signatures are not touched', async () => {
    const input = body(contentReply([{ type: 'text', text: AWS_KEY }], 'end_turn', { thinking: { thinking: `saw ${AWS_KEY}`, signature: 'c2ln+/==' } }));
    const msg = JSON.parse((await guardJsonResponse(input, { redactor })).body.toString());
    assert.deepEqual(msg.content[0], { type: 'thinking', thinking: `saw ${AWS_KEY}`, signature: 'c2ln+/==' });
    assert.equal(msg.content[1].text, '[REDACTED:aws-access-token]');
  });
});
