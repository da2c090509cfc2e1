/**
 * OIDC access tokens at the MCP door, from a real OpenID Provider (oidc-provider): a token
 * whose audience is the MCP endpoint's URI (RFC 8707) works like a key, grants by the
 * token's groups; a token for another audience, a forged one and a token of an untrusted
 * IdP are 401 with the RFC 9728 challenge and never fall through; the token never reaches
 * the upstream; a session opened with one token is not usable with another user's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { MISBEHAVING_STDIO } from './fixtures/mcp/everything.js';

const MCP_URI = 'https://warden.test/mcp';

describe('MCP door: OIDC bearer tokens', () => {
  let idp: TestIdp;
  let stranger: TestIdp;
  let w: TestWarden;

  before(async () => {
    idp = await startTestIdp({ resources: [MCP_URI, 'https://other.test'] });
    stranger = await startTestIdp({ resources: [MCP_URI] });
    w = await startTestWarden({
      identity: { oidc: [{ issuer: idp.issuer, audience: MCP_URI, name_claim: 'preferred_username' }] },
      mcp: {
        resource: MCP_URI,
        servers: { bad: { transport: 'stdio', command: process.execPath, args: [MISBEHAVING_STDIO], credential: { env: { FIXTURE_TOKEN: 'warden-held-credential' } } } },
        grants: [{ groups: ['data-reader'], tools: ['bad__whoami', 'bad__env_keys'] }],
      },
    } as never);
  });

  after(async () => {
    await w?.close();
    await Promise.all([idp?.stop(), stranger?.stop()]);
  });

  test('a token for the MCP URI works; grants follow its groups; the upstream runs with Warden\'s credential, never the token', async () => {
    const token = await idp.mintAccessToken('alice', { resource: MCP_URI });
    const c = await connectMcp(w.url, token);
    try {
      assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name).sort(), ['bad__env_keys', 'bad__whoami']);
      const who = JSON.parse((await c.client.callTool({ name: 'bad__whoami', arguments: {} }) as { content: { text: string }[] }).content[0]!.text);
      assert.equal(who.token, 'warden-held-credential');
      const env = (await c.client.callTool({ name: 'bad__env_keys', arguments: {} }) as { content: { text: string }[] }).content[0]!.text;
      assert.ok(!env.includes(token.slice(0, 20)));
    } finally {
      await c.close();
    }
    // bob's groups hold no grant: explicit refusal.
    const bob = await connectMcp(w.url, await idp.mintAccessToken('bob', { resource: MCP_URI }));
    try {
      await assert.rejects(bob.client.listTools(), /no MCP tools are granted/);
    } finally {
      await bob.close();
    }
  });

  test('wrong audience, untrusted issuer, forged and malformed tokens: 401 with the resource-metadata challenge, never another way in', async () => {
    const bad = [
      await idp.mintAccessToken('alice', { resource: 'https://other.test' }),
      await stranger.mintAccessToken('alice', { resource: MCP_URI }),
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
      'eyJ-not-a-jwt',
    ];
    for (const token of bad) {
      for (const body of [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'bad__whoami', arguments: {} } }]) {
        const r = await mcpPost(`${w.url}/mcp`, body, { authorization: `Bearer ${token}` });
        assert.equal(r.status, 401, `${token.slice(0, 30)} ${body.method}`);
        assert.match(r.headers.get('www-authenticate')!, /^Bearer resource_metadata="https:\/\/warden\.test\/\.well-known\/oauth-protected-resource\/mcp", error="invalid_token"$/);
      }
    }
  });

  test('a session opened with alice\'s token is unknown to bob\'s', async () => {
    const alice = await idp.mintAccessToken('alice', { resource: MCP_URI });
    const carol = await idp.mintAccessToken('carol', { resource: MCP_URI });
    const sid = await rawInitialize(`${w.url}/mcp`, alice);
    const r = await mcpPost(`${w.url}/mcp`, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: `Bearer ${carol}`, 'mcp-session-id': sid });
    assert.equal(r.status, 404);
    const own = await mcpPost(`${w.url}/mcp`, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { authorization: `Bearer ${alice}`, 'mcp-session-id': sid });
    assert.equal(own.status, 200);
  });
});
