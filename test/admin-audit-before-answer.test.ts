/**
 * An admin API call is on record before its answer leaves: the audit record is in the file
 * at the moment the response is ended, so a process killed right after answering (SIGKILL,
 * OOM kill; a worker of `warden start --workers N`) cannot lose the record of a call whose
 * client has its answer. Checked at `ServerResponse.end` itself, so it does not depend on timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { readAuditRecords } from './support/audit-records.js';
import { startTestWarden } from './support/warden.js';

const ADMIN_KEY = 'wadm_test_before_answer_0123456789abcdef';

test('admin API: the audit record of every call is written before its response is ended', { timeout: 30_000 }, async () => {
  const w = await startTestWarden({ admin: { key_sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') } });
  const seenAtEnd: Array<{ call: string; recorded: boolean }> = [];
  const originalEnd = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    const url = this.req?.url ?? '';
    if (url.startsWith('/admin')) {
      const call = `${this.req.method} ${url}`;
      const recorded = readAuditRecords(w.auditDir).some((r) => r.door === 'admin' && `${r.method} ${r.route}` === call && r.status === this.statusCode);
      seenAtEnd.push({ call, recorded });
    }
    return (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof ServerResponse.prototype.end;
  try {
    const call = (method: string, path: string, key = ADMIN_KEY, body?: unknown) =>
      fetch(`${w.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const put = await call('PUT', '/admin/policies/before-answer', ADMIN_KEY, { rules: [{ id: 'never', when: 'false', reason: 'never applies' }] });
    assert.ok(put.status === 200 || put.status === 201, `PUT answered ${put.status}`);
    assert.equal((await call('GET', '/admin/policies')).status, 200);
    assert.equal((await call('GET', '/admin/keys', 'wadm_not_the_admin_key_0123456789abcdef')).status, 401);
    assert.equal((await call('GET', '/admin/nothing-here')).status, 404);
    assert.deepEqual(
      seenAtEnd,
      [
        { call: 'PUT /admin/policies/before-answer', recorded: true },
        { call: 'GET /admin/policies', recorded: true },
        { call: 'GET /admin/keys', recorded: true },
        { call: 'GET /admin/nothing-here', recorded: true },
      ],
    );
    // Written once each, not again when the handler returns.
    const admin = readAuditRecords(w.auditDir).filter((r) => r.door === 'admin');
    assert.equal(admin.length, 4, admin.map((r) => `${r.method} ${r.route}`).join(', '));
  } finally {
    ServerResponse.prototype.end = originalEnd;
    await w.close();
  }
});
