import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originRefusal } from './origin.js';

const none = { allowed_origins: [] as string[], resource: undefined };
const check = (host: string | undefined, origin: string | undefined, bind: string, cfg: { allowed_origins: string[]; resource?: string | undefined } = none) =>
  originRefusal({ host, origin, tls: false }, { resource: undefined, ...cfg }, bind);

test('a non-loopback listener: Origin equal to Host is NOT same-origin (DNS rebinding); only configured origins pass', () => {
  // evil.example rebound to Warden's address: the browser sends the attacker's own name as both.
  assert.match(check('evil.example:8080', 'http://evil.example:8080', '0.0.0.0')!, /not allowed.*mcp\.allowed_origins/);
  assert.match(check('warden.internal:8080', 'http://warden.internal:8080', '10.0.0.5')!, /not allowed/);
  assert.equal(check('warden.internal:8080', 'https://ui.example', '0.0.0.0', { allowed_origins: ['https://ui.example'] }), undefined);
  assert.equal(check('warden.internal:8080', 'https://warden.example', '0.0.0.0', { allowed_origins: [], resource: 'https://warden.example/mcp' }), undefined, "mcp.resource's origin is configured");
  assert.equal(check('evil.example:8080', undefined, '0.0.0.0'), undefined, 'no Origin: not a browser');
  assert.match(check('warden.internal', 'null', '0.0.0.0')!, /not allowed/, 'an opaque origin is not a configured one');
});

test('a loopback listener: a non-loopback Host is refused whatever the Origin; its own loopback origin is same-origin', () => {
  for (const bind of ['127.0.0.1', 'localhost', '::1', '127.0.0.2', '::ffff:127.0.0.1']) {
    assert.match(check('evil.example:8080', undefined, bind)!, /not a loopback name/);
    assert.match(check('evil.example:8080', 'http://evil.example:8080', bind)!, /not a loopback name/);
    assert.match(check('127.0.0.1.evil.example', undefined, bind)!, /not a loopback name/);
    assert.match(check(undefined, undefined, bind)!, /not a loopback name/);
    assert.equal(check('127.0.0.1:8080', undefined, bind), undefined);
    assert.equal(check('localhost:8080', 'http://localhost:8080', bind), undefined);
    assert.equal(check('[::1]:8080', 'http://[::1]:8080', bind), undefined);
    assert.equal(check('[::ffff:127.0.0.1]:8080', undefined, bind), undefined);
    assert.match(check('[::ffff:10.0.0.1]:8080', undefined, bind)!, /not a loopback name/);
    assert.match(check('localhost:8080', 'http://localhost:3000', bind)!, /not allowed/, 'another local page is another origin');
    assert.match(check('localhost:8080', 'https://evil.example', bind)!, /not allowed/);
    assert.equal(check('localhost:8080', 'http://localhost:6274', bind, { allowed_origins: ['http://localhost:6274'] }), undefined);
  }
});
