import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentSchema } from './document.js';
import { baseDocument, connectionFacts, parseQuery, requestFacts } from './facts.js';

test('request facts from an incoming request: host, port, path, query, headers without credentials', () => {
  const req = {
    method: 'POST',
    url: '/api/database/query?verbose=1&tag=a&tag=b&apikey=agent-staging-key-123',
    headers: { host: 'gw.example:9080', authorization: 'apikey agent-staging-key-123', 'x-context': 'analysis', 'x-internal-token': 't' },
    socket: { remoteAddress: '10.0.0.7', remotePort: 51234, localAddress: '10.0.0.1', localPort: 9080 },
  };
  const f = requestFacts(req, { body: { database: 'prod' }, bodySize: 19, stripHeaders: new Set(['x-internal-token']) });
  assert.deepEqual(f, {
    scheme: 'http', method: 'POST', host: 'gw.example', port: 9080, path: '/api/database/query',
    query: { verbose: '1', tag: ['a', 'b'] },
    headers: { host: 'gw.example:9080', 'x-context': 'analysis' },
    body: { database: 'prod' }, body_size: 19,
  });
  assert.deepEqual(connectionFacts(req.socket), { remote_addr: '10.0.0.7', remote_port: 51234, server_addr: '10.0.0.1', server_port: 9080 });
  assert.equal(requestFacts({ url: '/', headers: { host: '[::1]:8443' }, socket: { encrypted: true } }).host, '[::1]');
  assert.equal(requestFacts({ url: '/', headers: { host: 'a.example' }, socket: { encrypted: true } }).port, 443);
  assert.deepEqual(parseQuery(''), {});
});

test('the base document is a valid decision document', () => {
  const d = baseDocument('llm', 5, { name: 'c', groups: ['g'], labels: { level: 'staging' }, models: [] }, { id: 'key_1', consumer: 'c', models: ['claude-*'] });
  assert.deepEqual(documentSchema.parse(d), d);
});
