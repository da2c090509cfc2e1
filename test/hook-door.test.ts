/**
 * The decision endpoint and the hook process at their edges: bad documents and credentials
 * get a clear refusal (and the hook blocks), `--fail-open` only covers an unreachable Warden,
 * the offline mode judges from an exported config, every decision is audited.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditRecords } from './support/audit-records.js';
import { hookInput, runWardenBin } from './support/hook-process.js';
import { startTestWarden, type TestWarden } from './support/warden.js';

let w: TestWarden;
let key: string;
let dir: string;
const DECIDE = '/v1/warden/decide/tool-use';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-hookdoor-'));
  w = await startTestWarden({ guards: { tool_use: {} } });
  key = w.key('dev').key;
});
after(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
  fetch(`${w.url}${DECIDE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

test('the endpoint: a decision with rule, reason and the hook output; audited as door hook', async () => {
  const r = await post(hookInput('Bash', { command: 'git push --force origin main' }));
  assert.equal(r.status, 200);
  const j = (await r.json()) as { decision: string; rule: string; reason: string; request_id: string; hookSpecificOutput: { permissionDecision: string } };
  assert.equal(j.decision, 'deny');
  assert.match(j.rule, /^tool_use\.defaults\.deny:Bash\(argv: git push/);
  assert.equal(j.hookSpecificOutput.permissionDecision, 'deny');
  const rec = readAuditRecords(w.auditDir).find((x) => x.request_id === j.request_id)!;
  assert.deepEqual([rec.door, rec.consumer, rec.session_id, rec.tool_decisions?.[0]?.outcome], ['hook', 'dev', 'sess-1', 'deny']);
});

test('the endpoint refuses what it cannot judge, naming the field; never a decision by default', async () => {
  const cases: [string, RegExp][] = [
    ['not json', /JSON/i],
    ['[1]', /must be a JSON object/],
    [JSON.stringify({ tool_input: {} }), /tool_name: required/],
    [JSON.stringify({ tool_name: 'Bash', tool_input: 'rm -rf /' }), /tool_input: must be a JSON object/],
    [JSON.stringify({ tool_name: 'Bash', tool_input: {}, cwd: 'relative' }), /cwd: must be an absolute path/],
    [JSON.stringify({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: {} }), /hook_event_name must be "PreToolUse"/],
  ];
  for (const [body, msg] of cases) {
    const r = await post(body);
    assert.equal(r.status, 400, body);
    const j = (await r.json()) as { error: { message: string }; decision?: unknown };
    assert.match(j.error.message, msg, body);
    assert.equal(j.decision, undefined);
  }
  const noKey = await post(hookInput('Bash', { command: 'ls' }), {});
  assert.equal(noKey.status, 401);
  const get = await fetch(`${w.url}${DECIDE}`);
  assert.equal(get.status, 405);
});

test('the hook blocks (exit 2, reason on stderr) on a refused credential even with --fail-open; --fail-open only covers an unreachable Warden', async () => {
  const bad = await runWardenBin(['hook', 'pre-tool-use', '--url', w.url, '--fail-open'], hookInput('Bash', { command: 'ls' }), { WARDEN_TOKEN: 'wdn_not_a_key', WARDEN_LOGIN_DIR: join(dir, 'none') });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Warden refused the decision request: .*WARDEN_E_AUTH_INVALID/);
  assert.equal(bad.stdout, '');
  const down = await runWardenBin(['hook', 'pre-tool-use', '--url', 'http://127.0.0.1:9', '--fail-open'], hookInput('Bash', { command: 'ls' }), { WARDEN_TOKEN: key });
  assert.equal(down.code, 0);
  assert.equal(down.stdout, '');
  assert.match(down.stderr, /fail-open/);
  const closed = await runWardenBin(['hook', 'pre-tool-use', '--url', 'http://127.0.0.1:9'], hookInput('Bash', { command: 'ls' }), { WARDEN_TOKEN: key });
  assert.equal(closed.code, 2);
  assert.match(closed.stderr, /unreachable .*blocked/);
  const noCred = await runWardenBin(['hook', 'pre-tool-use', '--url', w.url], hookInput('Bash', { command: 'ls' }), { WARDEN_TOKEN: '', ANTHROPIC_AUTH_TOKEN: '', ANTHROPIC_API_KEY: '', WARDEN_LOGIN_DIR: join(dir, 'none') });
  assert.equal(noCred.code, 2);
  assert.match(noCred.stderr, /no credential for Warden: run `warden login`/);
  const badDoc = await runWardenBin(['hook', 'pre-tool-use', '--url', w.url], '{"tool_name": 5}', { WARDEN_TOKEN: key });
  assert.equal(badDoc.code, 2);
  assert.match(badDoc.stderr, /tool_name: required/);
});

test('offline: judges from an exported config file, no Warden needed', async () => {
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, 'guards: { tool_use: {} }\npolicy:\n  permissions: { deny: ["Bash(terraform destroy *)"] }\nconsumers: [{ name: alice }]\n');
  const offline = (command: string, ...extra: string[]) => runWardenBin(['hook', 'pre-tool-use', '--policy', file, ...extra], hookInput('Bash', { command }), { WARDEN_URL: '' });
  const rm = await offline('rm -rf /');
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(JSON.parse(rm.stdout).hookSpecificOutput.permissionDecision, 'deny');
  const tf = await offline('terraform destroy -auto-approve', '--consumer', 'alice');
  assert.match(JSON.parse(tf.stdout).hookSpecificOutput.permissionDecisionReason, /terraform destroy/);
  const ls = await offline('ls');
  assert.deepEqual([ls.code, ls.stdout], [0, '']);
  const who = await offline('ls', '--consumer', 'mallory');
  assert.equal(who.code, 2);
  assert.match(who.stderr, /no such consumer/);
  const missing = await runWardenBin(['hook', 'pre-tool-use', '--policy', join(dir, 'nope.yaml')], hookInput('Bash', { command: 'ls' }), {});
  assert.equal(missing.code, 2);
});
