/**
 * `warden start --workers 2`, the real CLI as a process tree (node:cluster): limits exact
 * across the workers, SIGHUP reloading each, an admin write applied by every worker, a key revoked with the CLI refused by every worker within a second,
 * a killed worker replaced while the others serve, one audit chain per worker that
 * `warden audit verify` checks together and `search` and `tail` merge; a worker SIGKILLed under
 * load losing only its in-flight requests, every answered one audited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
async function send(url: string, key: string, model = 'claude-sonnet-4-5'): Promise<number> {
  return (await exchange(url, key, model)).status;
}

function exchange(url: string, key: string, model = 'claude-sonnet-4-5'): Promise<{ status: number; id: string }> {
  const body = JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/messages`, { method: 'POST', agent: false, headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, id: String(res.headers['x-warden-request-id']) }));
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

interface Cluster {
  /** A temp folder holding warden.yaml (and the store, the audit log). */
  dir: string;
  /** The CLI against this cluster's config. */
  cli(args: string[]): ReturnType<typeof runCli>;
  child?: ChildProcess;
  pids: number[];
  /** Everything the primary and its workers printed so far. */
  output: string;
}

function newCluster(prefix: string, yaml: string): Cluster {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'warden.yaml'), yaml);
  return { dir, cli: (args) => runCli(['--config', join(dir, 'warden.yaml'), ...args], { cwd: dir, timeoutMs: 60_000 }), pids: [], output: '' };
}

/** `warden start --workers 2` on dir/warden.yaml, awaited until it printed its key; fills `c` as it goes so stopCluster can clean up after a failure. */
async function startCluster(c: Cluster): Promise<{ url: string; key: string }> {
  const dir = c.dir;
  const child = (c.child = spawnCli(['--config', join(dir, 'warden.yaml'), 'start', '--workers', '2', '--port', '0'], { cwd: dir }));
  child.stderr!.on('data', (d) => (c.output += d));
  child.stdout!.on('data', (d) => (c.output += d));
  await waitForOutput(child, /That key \(consumer local-dev\)/, 60_000);
  const url = /ANTHROPIC_BASE_URL=(\S+)/.exec(c.output)![1]!;
  const key = /ANTHROPIC_AUTH_TOKEN=(\S+)/.exec(c.output)![1]!;
  for (const m of c.output.matchAll(/worker \d \(pid (\d+)\) started/g)) c.pids.push(Number(m[1]));
  assert.equal(c.pids.length, 2);
  return { url, key };
}

function stopCluster(c: Cluster): void {
  if (c.child && c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const pid of c.pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(c.dir, { recursive: true, force: true });
}

test('warden start --workers 2: limits across workers, revocation, a killed worker replaced, audit chains verified together', { timeout: 120_000 }, async () => {
  const c = newCluster('warden-workers-', CONFIG);
  const { dir, cli } = c;
  try {
    const { url, key } = await startCluster(c);
    const child = c.child!;
    const pids = c.pids;
    assert.match(c.output, /Warden is listening \(2 workers\)/);

    // Limits: 12 requests at once over separate connections, 5 admitted in all.
    const codes = await Promise.all(Array.from({ length: 12 }, () => send(url, key)));
    assert.deepEqual(codes.filter((c) => c === 200).length, 5, `codes ${codes.join(' ')}`);
    assert.deepEqual(codes.filter((c) => c === 429).length, 7);
    assert.ok(existsSync(join(dir, '.warden/audit/worker-1/audit-000001.jsonl')) && existsSync(join(dir, '.warden/audit/worker-2/audit-000001.jsonl')), 'both workers served requests and wrote their own chain');

    // SIGHUP to the primary reloads every worker.
    const reloadsBefore = c.output.split('"config reloaded"').length;
    child.kill('SIGHUP');
    for (let i = 0; i < 150 && c.output.split('"config reloaded"').length < reloadsBefore + 2; i++) await sleep(100);
    assert.equal(c.output.split('"config reloaded"').length, reloadsBefore + 2, 'both workers reloaded within 15 s');

    // A policy written through the admin API reaches one worker; within a second every worker
    // enforces it (refused by the policy, before the spent rate limit: 403, not 429).
    const adminUrl = /admin API and \/metrics: (http\S+?)\)/.exec(c.output)![1]!;
    assert.deepEqual(await Promise.all(Array.from({ length: 4 }, () => send(url, key, 'claude-opus-4-5'))), [429, 429, 429, 429]);
    const put = await admin(adminUrl, 'PUT', '/admin/policies/workers-test', { rules: [{ id: 'no-opus', when: 'has(llm.model) && llm.model.startsWith("claude-opus")', reason: 'no opus here' }], attach: { global: true } });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put));
    await sleep(1_000);
    assert.deepEqual(await Promise.all(Array.from({ length: 6 }, () => send(url, key, 'claude-opus-4-5'))), [403, 403, 403, 403, 403, 403], 'every worker enforces the new policy');

    // A worker killed outright is replaced in the same slot; the other serves meanwhile.
    process.kill(pids[1]!, 'SIGKILL');
    await waitForOutput(child, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/, 30_000).catch(async () => {
      // Already printed before the listener was attached: look at what was collected.
      assert.match(c.output, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/);
    });
    const replacement = Number([...c.output.matchAll(/worker 2 \(pid (\d+)\) started/g)].pop()![1]);
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
    // 29 = 12 + 4 limited + 6 refused by the policy + 6 revoked requests + 1 admin API call (the PUT).
    // Every one of them was answered before worker 2 was killed: its records must all survive.
    assert.match(verified.stdout, /audit log OK: 29 record\(s\) in 2 file\(s\), 2 chains intact/);
    const denied = await cli(['audit', 'search', '--decision', 'deny', '--json']);
    const records = denied.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string });
    assert.equal(records.length, 23, 'the 11 rate-limited, 6 policy-refused and 6 revoked requests, from both chains');
    assert.deepEqual(records.map((r) => r.time), [...records.map((r) => r.time)].sort(), 'merged in time order');
    // tail merges the chains too: the last 12 records, in time order, are the 6 revoked requests
    // and 6 earlier ones, from both workers' chains.
    const tail = await cli(['audit', 'tail', '-n', '12', '--json']);
    const last = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string; status: number; worker?: number });
    assert.equal(last.length, 12, tail.stdout + tail.stderr);
    assert.deepEqual(last.map((r) => r.time), [...last.map((r) => r.time)].sort(), 'tail merged in time order');
    assert.deepEqual(last.slice(-6).map((r) => r.status), [401, 401, 401, 401, 401, 401]);
  } finally {
    stopCluster(c);
  }
});

test('warden start --workers 2: a worker SIGKILLed under load loses only the requests it had in flight', { timeout: 120_000 }, async () => {
  const c = newCluster('warden-workers-kill-', `models:\n  - { match: "claude-*", provider: mock }\nadmin: { enabled: false }\nlogging: { level: error }\n`);
  const { dir, cli } = c;
  try {
    const { url, key } = await startCluster(c);
    const child = c.child!;
    const pids = c.pids;

    // 8 clients, each one request at a time on a new connection (the cluster spreads them over
    // both workers). A client can have at most one request in flight when the worker dies.
    const LOOPS = 8;
    const answered: string[] = [];
    const lost = new Array<number>(LOOPS).fill(0);
    let killedAt = Infinity;
    let servedAfterKill = 0;
    let stop = false;
    const loop = async (i: number) => {
      while (!stop) {
        try {
          const r = await exchange(url, key);
          assert.equal(r.status, 200);
          answered.push(r.id);
          if (Date.now() > killedAt) servedAfterKill++;
        } catch {
          lost[i]!++;
        }
      }
    };
    const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));
    await sleep(1_500);
    killedAt = Date.now();
    process.kill(pids[1]!, 'SIGKILL');
    await waitForOutput(child, /worker 2 \(pid \d+\) started/, 60_000).catch(() => assert.match(c.output, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/));
    pids.push(Number([...c.output.matchAll(/worker 2 \(pid (\d+)\) started/g)].pop()![1]));
    await sleep(1_000);
    stop = true;
    await Promise.all(loops);

    assert.ok(answered.length > 20, `only ${answered.length} answered`);
    assert.ok(servedAfterKill > 0, 'worker 1 went on serving while worker 2 was replaced');
    assert.ok(lost.every((n) => n <= 1), `a client lost more than its one request in flight: ${lost.join(' ')}`);

    child.kill('SIGTERM');
    assert.equal(await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c))), 0);
    // Every answered request has its record, in one chain or the other (the killed worker's
    // included: a record is on disk before the answer's last byte); the chains verify.
    const recorded = new Set<string>();
    for (const f of readdirSync(join(dir, '.warden/audit'), { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, '.warden/audit', f), 'utf8').split('\n')) if (line.trim()) recorded.add((JSON.parse(line) as { request_id: string }).request_id);
    }
    const missing = answered.filter((id) => !recorded.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests have no audit record`);
    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /2 chains intact/);
  } finally {
    stopCluster(c);
  }
});

function scrape(adminUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${adminUrl}/metrics`, { agent: false }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`/metrics answered ${res.statusCode}: ${data}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('scrape timed out')));
    req.end();
  });
}

/** The sum of a metric's samples whose labels match `labels` (a substring of the label text). */
function total(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

test('warden start --workers 2: every scrape of /metrics shows the whole Warden, across a worker replaced', { timeout: 120_000 }, async () => {
  const c = newCluster('warden-workers-metrics-', `models:\n  - { match: "claude-*", provider: mock }\nadmin: { port: 0, key_sha256: ${createHash('sha256').update(ADMIN_KEY).digest('hex')} }\nlogging: { level: error }\n`);
  const { dir } = c;
  try {
    const { url, key } = await startCluster(c);
    const child = c.child!;
    const pids = c.pids;
    const adminUrl = /admin API and \/metrics: (http\S+?)\)/.exec(c.output)![1]!;

    const N = 10;
    assert.deepEqual(await Promise.all(Array.from({ length: N }, () => send(url, key))), new Array(N).fill(200));
    assert.ok(existsSync(join(dir, '.warden/audit/worker-1/audit-000001.jsonl')) && existsSync(join(dir, '.warden/audit/worker-2/audit-000001.jsonl')), 'the requests were spread over both workers');
    // Each scrape (on its own connection: the cluster hands them to either worker) shows all N.
    for (let i = 0; i < 4; i++) {
      const text = await scrape(adminUrl);
      assert.equal(total(text, 'warden_requests_total', 'door="llm"'), N, text);
      assert.equal(total(text, 'warden_request_duration_seconds_count', 'door="llm"'), N);
      assert.equal(total(text, 'warden_request_duration_seconds_bucket', 'le="+Inf"'), N);
      assert.equal(total(text, 'warden_workers'), 2);
      assert.equal(total(text, 'warden_workers_scraped'), 2);
      assert.equal((text.match(/^# TYPE warden_requests_total counter$/gm) ?? []).length, 1, 'one family, merged');
    }

    // A worker killed and replaced: the totals do not go down (the primary carries its last counts).
    process.kill(pids[1]!, 'SIGKILL');
    await waitForOutput(child, /worker 2 \(pid \d+\) started/, 60_000).catch(() => assert.match(c.output, /worker 2 \(pid \d+\) died \(SIGKILL\); starting another[\s\S]*worker 2 \(pid \d+\) started/));
    pids.push(Number([...c.output.matchAll(/worker 2 \(pid (\d+)\) started/g)].pop()![1]));
    assert.deepEqual(await Promise.all(Array.from({ length: 4 }, () => send(url, key))), [200, 200, 200, 200]);
    for (let i = 0; i < 3; i++) {
      const text = await scrape(adminUrl);
      assert.equal(total(text, 'warden_requests_total', 'door="llm"'), N + 4, text);
      assert.equal(total(text, 'warden_workers_scraped'), 2);
    }

    child.kill('SIGTERM');
    assert.equal(await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c))), 0);
  } finally {
    stopCluster(c);
  }
});
