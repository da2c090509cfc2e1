/**
 * A huge request being scanned must not stall the gateway: /healthz and other requests are
 * answered while the scan of a large hostile body is under way (not a timing test: it shows
 * the scan interleaves with other work; docs/benchmarks.md has the measured stall).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { hostileText } from '../src/guards/detectors/secrets/test-support.js';

describe('the request guard yields to the event loop', () => {
  let upstream: Upstream;
  let w: TestWarden;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: { secrets: { action: 'log' }, pii: { action: 'log' } },
    });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  test('/healthz is answered while a large hostile body is scanned', async () => {
    const { key } = w.key('dev');
    const guard = w.warden.gateway.current().requestGuard;
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: hostileText(1_000_000) }] }] });
    let done = false;
    const big = fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body })
      .then(async (r) => ({ status: r.status, text: await r.text() }))
      .finally(() => { done = true; });
    let answeredDuringScan = 0;
    while (!done) {
      const h = await fetch(`${w.url}/healthz`);
      assert.equal(h.status, 200);
      await h.text();
      if (guard.inProgress > 0) answeredDuringScan++;
    }
    const r = await big;
    assert.equal(r.status, 200, r.text);
    assert.ok(guard.yields > 0, 'the scan gave the event loop back');
    assert.ok(answeredDuringScan > 0, '/healthz was answered while the scan was under way');
  });
});
