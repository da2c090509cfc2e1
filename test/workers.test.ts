/**
 * `warden start --workers 2`, the real CLI as a process tree (node:cluster): limits exact
 * across the workers, SIGHUP reloading each, an admin write applied by every worker, a key revoked with the CLI refused by every worker within a second,
 * a killed worker replaced while the others serve, one audit chain per worker that
 * `warden audit verify` checks together and `search` merges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, spawnCli, waitForOutput } from './support/cli-process.js';

const ADMIN_KEY = 'wadm_workers_test_0123456789abcdefghij';
const CONFIG = `models:
  - { match: "claude-*", provider: mock }
admin: { port: 0, key_sha256: ${createHash('sha256').update(ADMIN_KEY).digest('hex')} }
guards:
  secrets: { enabled: false }
  pii: { enabled: false }
limits:
  rules:
    - { id: rpm, scope: key, requests: { limit: 5, window: 1m } }
`;

/** One request on its own connection (no keep-alive), so the cluster hands each to a worker in turn. */
function send(url: string, key: string): Promise<number> {
  const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/messages`, { method: 'POST', agent: false, headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

/** An admin API call on its own connection. */
function admin(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: data ? JSON.parse(data) : undefined }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('warden start --workers 2: limits across workers, revocation, a killed worker replaced, audit chains verified together', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-workers-'));
  writeFileSync(join(dir, 'warden.yaml'), CONFIG);
  const cli = (args: string[]) => runCli(['--config', join(dir, 'warden.yaml'), ...args], { cwd: dir, timeoutMs: 60_000 });
  let child: ChildProcess | undefined;
  const pids: number[] = [];
  try {
    child = spawnCli(['--config', join(dir, 'warden.yaml'), 'start', '--workers', '2', '--port', '0'], { cwd: dir });
    let output = '';
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => (output += d));
    await waitForOutput(child, /That key \(consumer local-dev\)/, 60_000);
    const url = /ANTHROPIC_BASE_URL=(\S+)/.exec(output)![1]!;
    const key = /ANTHROPIC_AUTH_TOKEN=(\S+)/.exec(output)![1]!;
    assert.match(output, /Warden is listening \(2 workers\)/);
    for (const m of output.matchAll(/worker \d \(pid (\d+)\) started/g)) pids.push(Number(m[1]));
    assert.equal(pids.length, 2);

    // Limits: 12 requests at once over separate connections, 5 admitted in all.
    const codes = await Promise.all(Array.from({ length: 12 }, () => send(url, key)));
    assert.deepEqual(codes.filter((c) => c === 200).length, 5, `codes ${codes.join(' ')}`);
    assert.deepEqual(codes.filter((c) => c === 429).length, 7);
    assert.ok(existsSync(join(dir, '.warden/audit/worker-1/audit-000001.jsonl')) && existsSync(join(dir, '.warden/audit/worker-2/audit-000001.jsonl')), 'both workers served requests and wrote their own chain');

    // SIGHUP to the primary reloads every worker.
    const reloadsBefore = output.split('"config reloaded"').length;
    child.kill('SIGHUP');
    for (let i = 0; i < 150 && output.split('"config reloaded"').length < reloadsBefore + 2; i++) await sleep(100);
    assert.equal(output.split('"config reloaded"').length, reloadsBefore + 2, 'both workers reloaded within 15 s');

    // A policy written through the admin API reaches one worker; within a second every worker serves it.
    const adminUrl = /admin API and \/metrics: (http\S+?)\)/.exec(output)![1]!;
    const put = await admin(adminUrl, 'PUT', '/admin/policies/workers-test', { rules: [{ id: 'never', when: 'false', reason: 'never applies' }] });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put));
    await sleep(1_000);
    const lists = await Promise.all(Array.from({ length: 6 }, () => admin(adminUrl, 'GET', '/admin/policies')));
    for (const l of lists) assert.match(JSON.stringify(l.json), /workers-test/, 'every worker has the new policy');

    // A worker killed outright is replaced in the same slot; the other serves meanwhile.
    process.kill(pids[1]!, 'SIGKILL');
    await waitForOutput(child, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/, 30_000).catch(async () => {
      // Already printed before the listener was attached: look at what was collected.
      assert.match(output, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/);
    });
    const replacement = Number([...output.matchAll(/worker 2 \(pid (\d+)\) started/g)].pop()![1]);
    assert.notEqual(replacement, pids[1]);
    pids.push(replacement);
    assert.ok(alive(replacement));

    // Revoked with the CLI (another process, writing the store): every worker refuses within a second.
    const listed = await cli(['keys', 'list', '--json']);
    const keyId = (JSON.parse(listed.stdout) as Array<{ id: string }>)[0]!.id;
    assert.equal((await cli(['keys', 'revoke', keyId])).code, 0);
    await sleep(1_100);
    const after = await Promise.all(Array.from({ length: 6 }, () => send(url, key)));
    assert.deepEqual(after, [401, 401, 401, 401, 401, 401]);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} stopped with the primary`);

    // One chain per worker (the replaced worker continued slot 2's), verified together.
    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    // 25 = 12 limited + 6 revoked requests + 7 admin API calls (1 PUT, 6 GET /admin/policies).
    // Every one of them was answered before worker 2 was killed: its records must all survive.
    assert.match(verified.stdout, /audit log OK: 25 record\(s\) in 2 file\(s\), 2 chains intact/);
    const denied = await cli(['audit', 'search', '--decision', 'deny', '--json']);
    const records = denied.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string });
    assert.equal(records.length, 13, 'the 7 rate-limited and 6 revoked requests, from both chains');
    assert.deepEqual(records.map((r) => r.time), [...records.map((r) => r.time)].sort(), 'merged in time order');
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
