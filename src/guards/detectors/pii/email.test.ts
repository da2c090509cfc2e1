import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matched, spans } from './testing.js';

const email = (text: string, min?: number) => matched(text, ['email'], min);

describe('e-mail addresses', () => {
  test('common addresses, with offsets', () => {
    assert.deepEqual(email('write to jane.doe+tag@example.co.uk today'), ['jane.doe+tag@example.co.uk']);
    assert.deepEqual(email('<ops_team-1@mail.example.com>'), ['ops_team-1@mail.example.com']);
    const text = '{"email":"a.b@c.io"}';
    const [s] = spans(text, ['email']);
    assert.equal(text.indexOf('a.b@c.io'), text.indexOf(s!.text));
  });

  test('a sentence dot after the address is not part of it', () => {
    assert.deepEqual(email('Contact john@example.com.'), ['john@example.com']);
  });

  test('two addresses side by side', () => {
    assert.deepEqual(email('a@example.com,b@example.org'), ['a@example.com', 'b@example.org']);
  });

  test('decorators, JSDoc tags, package specs and hosts without a TLD are not addresses', () => {
    for (const text of ['@param x', '@Component()', 'lodash@4.17.21', 'npm i @scope/pkg@1.2.3', 'user@localhost', 'a@b.c', 'foo@bar', 'x@1.2.3.4', 'a@@b.com', '.@example.com', 'a.@example.com', 'a@-example.com', 'a@example-.com', 'a@example..com', 'a@b.com_x']) {
      assert.deepEqual(email(text, 0), [], text);
    }
  });

  test('asset names that look like addresses score low', () => {
    assert.deepEqual(email('logo@2x.png'), []);
    assert.deepEqual(email('bundle@legacy.js'), []);
    assert.equal(spans('logo@2x.png', ['email'], 0).length, 1);
  });

  test('an over-long local part is not trusted', () => {
    assert.deepEqual(email(`${'a'.repeat(65)}@example.com`, 0), []);
    assert.deepEqual(email(`${'a'.repeat(64)}@example.com`), [`${'a'.repeat(64)}@example.com`]);
  });
});
