import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { readAuditRecords } from './support/audit-records.js';

/** The start banner prints the URL and, on a first start, the bootstrap key. */
async function startedWarden(child: ReturnType<typeof spawnCli>): Promise<{ url: string; key: string }> {
  const banner = await waitForOutput(child, /BASE_URL=(http:\/\/127\.0\.0\.1:\d+)[\s\S]*?AUTH_TOKEN=(wdn_\w+)/);
  const m = /BASE_URL=(http:\/\/127\.0\.0\.1:\d+)[\s\S]*?AUTH_TOKEN=(wdn_\w+)/.exec(banner)!;
  return { url: m[1]!, key: m[2]! };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-e2e-'));
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, `server: { port: 0 }\nadmin: { enabled: false }\nlogging: { level: error }\nstore: { driver: sqlite, path: ${dir}/w.db }\naudit: { dir: ${dir}/audit }\n`);
  return { dir, config };
}

test('warden audit verify passes on a clean log and names the line of a tampered byte', async (t) => {
  const { dir, config } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawnCli(['--config', config, 'start']);
  try {
    const { url, key } = await startedWarden(child);
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: `n${i}` }] }) });
      assert.equal(r.status, 200);
      await r.text();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
  const clean = await runCli(['--config', config, 'audit', 'verify']);
  assert.equal(clean.code, 0, clean.stderr + clean.stdout);
  assert.match(clean.stdout, /audit log OK: 20 record\(s\)/);

  // Started with the default number of workers: the records are in one chain per worker
  // (audit/worker-N/); tamper with the first file of a chain that holds at least 3 of them.
  const chains = readdirSync(join(dir, 'audit'), { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl')).sort();
  const file = chains.map((f) => join(dir, 'audit', f)).find((f) => readFileSync(f, 'utf8').split('\n').length > 3)!;
  assert.ok(file, `a chain file with 3 records among ${chains.join(', ')}`);
  const original = readFileSync(file);
  const at = original.indexOf('"tokens_out":', original.indexOf('\n', original.indexOf('\n') + 1)) + '"tokens_out":'.length;
  const tampered = Buffer.from(original);
  tampered[at] = tampered[at] === 0x39 ? 0x38 : tampered[at]! + 1;
  writeFileSync(file, tampered);
  const bad = await runCli(['--config', config, 'audit', 'verify']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout + bad.stderr, /:3\b/, 'names line 3');
  assert.match(bad.stdout + bad.stderr, /edited/);

  writeFileSync(file, original);
  assert.equal((await runCli(['--config', config, 'audit', 'verify'])).code, 0);
  const search = await runCli(['--config', config, 'audit', 'search', '--consumer', 'local-dev', '--json']);
  assert.equal(search.stdout.trim().split('\n').length, 20);
});

test('kill -9 under load loses no record of an answered request', async (t) => {
  const { dir, config } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // One process, killed outright (a killed worker under --workers: test/workers.test.ts).
  const child = spawnCli(['--config', config, 'start', '--workers', '1']);
  const { url, key } = await startedWarden(child);
  const agent = new Agent({ connections: 16 });
  const answered: string[] = [];
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const r = await request(`${url}/v1/messages`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"model":"claude-haiku-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}' });
        const body = await r.body.text();
        // Answered = the client received the complete stream.
        if (r.statusCode === 200 && body.includes('event: message_stop')) answered.push(String(r.headers['x-warden-request-id']));
      } catch {
        /* the process was killed mid-request: that request was not answered */
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  stop = true;
  await Promise.all(workers);
  await agent.close();
  assert.ok(answered.length > 50, `only ${answered.length} answered under load`);
  const recorded = new Set(readAuditRecords(join(dir, 'audit')).map((r) => r.request_id));
  const missing = answered.filter((id) => !recorded.has(id));
  assert.deepEqual(missing, [], `${missing.length} answered requests have no audit record`);
  const verify = await runCli(['--config', config, 'audit', 'verify']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

async function sendRequests(url: string, key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: `n${i}` }] }) });
    assert.equal(r.status, 200);
    await r.text();
    ids.push(r.headers.get('x-warden-request-id')!);
  }
  return ids;
}

async function stop(child: ReturnType<typeof spawnCli>): Promise<void> {
  if (child.exitCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await closed;
}

test('with no audit settings the log is keyed: a forged append re-hashed with SHA-256 fails verify; another machine needs the key', async (t) => {
  const { dir, config } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // One process: the forgery below edits its single chain (audit/, audit/HEAD).
  const child = spawnCli(['--config', config, 'start', '--workers', '1']);
  try {
    const { url, key } = await startedWarden(child);
    await sendRequests(url, key, 5);
  } finally {
    await stop(child);
  }
  const keyFile = join(dir, 'audit.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key is generated beside the folder, owner-only');
  assert.equal((await runCli(['--config', config, 'audit', 'verify'])).code, 0);

  // The attacker can write the folder, not the key: append a record chained and hashed like the others, and HEAD to match.
  const audit = join(dir, 'audit');
  const files = readdirSync(audit).filter((f) => f.endsWith('.jsonl')).sort();
  const last = join(audit, files[files.length - 1]!);
  const tip = JSON.parse(readFileSync(last, 'utf8').trim().split('\n').pop()!) as Record<string, unknown>;
  const body = JSON.stringify({ ...tip, seq: (tip.seq as number) + 1, consumer: 'mallory', prev: tip.hash, hash: undefined });
  const hash = createHash('sha256').update(body).digest('hex');
  appendFileSync(last, `${body.slice(0, -1)},"hash":"${hash}"}\n`);
  const head = `{"v":1,"alg":"sha256","seq":${(tip.seq as number) + 1},"hash":"${hash}"}`;
  writeFileSync(join(audit, 'HEAD'), head.padEnd(255, ' ') + '\n');
  const forged = await runCli(['--config', config, 'audit', 'verify']);
  assert.equal(forged.code, 1, forged.stdout);
  assert.match(forged.stdout, /seq 6 /);

  // Another machine: the copied folder alone cannot be verified; with the key it can.
  const copy = join(dir, 'elsewhere');
  cpSync(audit, join(copy, 'audit'), { recursive: true });
  const copyConfig = join(copy, 'warden.yaml');
  writeFileSync(copyConfig, `audit: { dir: ${copy}/audit }\nstore: { driver: sqlite, path: ${copy}/w.db }\n`);
  const noKey = await runCli(['--config', copyConfig, 'audit', 'verify']);
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /no audit key: .*--key-file/);
  const withKey = await runCli(['--config', copyConfig, 'audit', 'verify', '--key-file', keyFile]);
  assert.equal(withKey.code, 1, 'the forgery is found there too');
});

test('a second Warden on the same audit folder is refused by name; logrotate under the running one loses no record', async (t) => {
  const { dir, config } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // One process: the refusal names its pid, the rotation moves its single chain's file.
  const child = spawnCli(['--config', config, 'start', '--workers', '1']);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const ids: string[] = [];
  try {
    const { url, key } = await startedWarden(child);
    const second = await runCli(['--config', config, 'start', '--workers', '1'], { timeoutMs: 15_000 });
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`WARDEN_E_CONFIG_INVALID: audit\\.dir .* is already written by pid ${child.pid} on host `));
    ids.push(...(await sendRequests(url, key, 3)));
    const first = join(dir, 'audit', 'audit-000001.jsonl');
    renameSync(first, `${first}.1`); // logrotate: move, then create
    writeFileSync(first, '');
    ids.push(...(await sendRequests(url, key, 3)));
  } finally {
    await stop(child);
  }
  assert.match(stdout + stderr, /"audit_event":"file_replaced"/);
  const recorded = new Set(readAuditRecords(join(dir, 'audit')).map((r) => r.request_id));
  assert.deepEqual(ids.slice(3).filter((id) => !recorded.has(id)), [], 'records written after the rotation are in the log');
  const verify = await runCli(['--config', config, 'audit', 'verify', '--json']);
  const res = JSON.parse(verify.stdout) as { problems: { kind: string }[]; lastSeq: number };
  assert.deepEqual(res.problems.map((p) => p.kind), ['removed'], 'only the records moved out of the log are missing');
  assert.equal(res.lastSeq, 6);
});
