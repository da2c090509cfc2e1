import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { makeHasher } from './format.js';

test('the keyed hasher is HMAC-SHA-256 and the plain one SHA-256, byte for byte, for every key length and input form', () => {
  const keys = ['k', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), randomBytes(200).toString('base64'), 'clé-ünïcödé-🔑'];
  const messages = ['', '{"seq":1}', 'é'.repeat(1000), randomBytes(3000).toString('latin1')];
  for (const key of keys) {
    const h = makeHasher(key);
    assert.equal(h.alg, 'hmac-sha256');
    for (const m of messages) {
      const want = createHmac('sha256', key).update(m).digest('hex');
      assert.equal(h(m), want);
      assert.equal(h(Buffer.from(m, 'utf8')), want);
      const cut = Math.floor(m.length / 2);
      const withTail = createHmac('sha256', key).update(m.slice(0, cut)).update('}').digest('hex');
      assert.equal(h(m.slice(0, cut), '}'), withTail);
      assert.equal(h(Buffer.from(m.slice(0, cut), 'utf8'), '}'), withTail);
    }
  }
  const plain = makeHasher();
  for (const m of messages) {
    assert.equal(plain(m), createHash('sha256').update(m).digest('hex'));
    assert.equal(plain(Buffer.from(m, 'utf8'), '}'), createHash('sha256').update(m).update('}').digest('hex'));
  }
});
