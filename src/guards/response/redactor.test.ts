import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guardsSchema } from '../config.js';
import { ResponseGuardFactory, createResponseRedactor } from './redactor.js';
import { AWS_KEY } from './testing.js';
import { DEFAULT_TOOL_MESSAGE } from './types.js';

const cfg = (raw: unknown) => guardsSchema.parse(raw);
const text = `key ${AWS_KEY}, mail jane.doe@example.com, code ZX-123456`;

describe('ResponseGuardFactory', () => {
  const factory = new ResponseGuardFactory(cfg({
    secrets: { action: 'reject' },
    pii: { kinds: ['email'], action: 'log' },
    patterns: [{ id: 'ticket', regex: 'ZX-[0-9]{6}', action: 'redact' }],
    responses: { hold_back_chars: 256 },
    tool_use: { message: 'No {tool}' },
    consumers: { ci: { secrets: 'log' }, robot: { exempt: true } },
  }));

  test('reject and redact redact, log only reports', () => {
    const r = factory.forConsumer('anyone')!.redact(text);
    assert.equal(r.text, 'key [REDACTED:aws-access-token], mail jane.doe@example.com, code [REDACTED:ticket]');
    assert.deepEqual(r.hits.map((h) => [h.id, h.redact]).sort(), [['patterns:ticket', true], ['pii:email', false], ['secrets:aws-access-token', true]]);
  });

  test('per-consumer overrides and exemption', () => {
    assert.equal(factory.forConsumer('ci')!.redact(text).text, 'key ' + AWS_KEY + ', mail jane.doe@example.com, code [REDACTED:ticket]');
    assert.equal(factory.forConsumer('robot'), null);
    assert.equal(factory.forConsumer('ci'), factory.forConsumer('ci'));
    assert.equal(factory.forConsumer(), factory.forConsumer('someone-else'));
  });

  test('a policy’s redact outcome turns log into redact, even for an exempt consumer', () => {
    const force = new Set(['pii']);
    assert.equal(factory.forConsumer('anyone', force)!.redact(text).text, 'key [REDACTED:aws-access-token], mail [REDACTED:email], code [REDACTED:ticket]');
    assert.equal(factory.forConsumer('robot', force)!.redact(text).text, `key ${AWS_KEY}, mail [REDACTED:email], code ZX-123456`);
    assert.equal(factory.forConsumer('robot', new Set(['nothing-on'])), null);
  });

  test('settings the stream guard needs', () => {
    assert.equal(factory.toolMessage, 'No {tool}');
    assert.equal(new ResponseGuardFactory(cfg({})).toolMessage, DEFAULT_TOOL_MESSAGE);
    assert.equal(factory.forConsumer()!.maxMatchLength, 1020);
  });

  test('nothing to scan: null', () => {
    const off = { secrets: { enabled: false }, pii: { enabled: false } };
    assert.equal(createResponseRedactor(cfg(off)), null);
    assert.notEqual(createResponseRedactor(cfg({})), null, 'on by default: secrets and PII');
    assert.equal(createResponseRedactor(cfg({ secrets: {}, responses: { enabled: false } })), null);
    assert.notEqual(createResponseRedactor(cfg({ secrets: {} })), null);
  });
});
