import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../../core/errors.js';
import { checkModelName } from './model-name.js';

describe('checkModelName: real model ids pass', () => {
  const ok = [
    'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest', 'claude-opus-4-1-20250805', 'claude-haiku-4-5',
    'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6', 'claude-3-5-sonnet-v2@20241022', 'claude-opus-4-8[1m]',
    'opus', 'sonnet', 'haiku', 'my_custom.model-1', 'x', 'a'.repeat(32) + '-' + 'b'.repeat(32),
  ];
  for (const m of ok) test(m, () => checkModelName(m));
});

describe('checkModelName: anything else is refused, naming the rule and never the value', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['too long', 'claude-' + 'x-'.repeat(70), /at most 128 characters \(got 147\)/],
    ['space', 'claude sonnet', /only letters, digits/],
    ['leading space', ' claude-sonnet-4-5', /only letters, digits/],
    ['newline', 'claude-sonnet-4-5\n', /only letters, digits/],
    ['NUL', 'claude\u0000', /only letters, digits/],
    ['tab', 'claude\tx', /only letters, digits/],
    ['DEL', 'claude\u007f', /only letters, digits/],
    ['unicode letter', 'claudé-sonnet', /only letters, digits/],
    ['unicode lookalike dash', 'claude\u2010sonnet', /only letters, digits/],
    ['zero-width space', 'claude\u200bsonnet', /only letters, digits/],
    ['emoji', 'claude-😀', /only letters, digits/],
    ['quote', 'claude"x', /only letters, digits/],
    ['starts with a dot', '.claude', /starting with a letter or digit/],
    ['starts with a slash', '/etc/passwd', /starting with a letter or digit/],
    ['query-like', 'claude?key=1', /only letters, digits/],
    ['Anthropic key', 'sk-ant-api03-' + 'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz'.repeat(2) + '-AbCdEfGhIjKlMnOpQrAA', /token or hash|credential/],
    ['GitHub token', 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', /token or hash|credential/],
    ['AWS access key id', 'AKIAZ7VRSQ3HKPL2MXTY', /looks like a credential \(secret rule [a-z-]+\)/],
    ['40-hex token', 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', /token or hash/],
    ['Slack bot token', 'xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', /credential/],
  ];
  for (const [name, model, message] of cases) {
    test(name, () => {
      assert.throws(() => checkModelName(model), (e: unknown) => {
        assert.ok(e instanceof WardenError);
        assert.equal(e.code, 'WARDEN_E_MODEL_INVALID');
        assert.equal(e.status, 400);
        assert.match(e.message, message);
        assert.ok(!e.message.includes(model.trim()), 'the message must not repeat the name');
        return true;
      });
    });
  }
});
