import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaude } from './support/claude.js';
import { startUpstream, textReply, toolUseReply, toolResults, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

// Built at run time so this file itself carries no literal key for scanners to trip on.
const AWS_KEY = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');

describe('the tool-use guard and limits with the real Claude Code binary', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let cwd: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: { tool_use: {} },
      limits: { rules: [{ id: 'two-requests', scope: 'key', match: { consumers: ['budgeted'] }, requests_budget: { limit: 2, period: 'total' } }] },
    });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  const freshDir = (): string => {
    cwd = mkdtempSync(join(tmpdir(), 'warden-tools-'));
    return cwd;
  };

  test('the model asks Bash for rm -rf: the command never runs and the user sees why', async () => {
    const dir = freshDir();
    try {
      mkdirSync(join(dir, 'build'));
      writeFileSync(join(dir, 'build', 'keep.txt'), 'still here');
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('The command ran.') : toolUseReply({ name: 'Bash', input: { command: 'rm -rf ./build && touch rm-ran.marker', description: 'clean' } })));
      const { key } = w.key('dev');
      const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'clean the build folder', cwd: dir, allowedTools: ['Bash'] });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'rm-ran.marker')), false, 'the refused command ran');
      assert.equal(existsSync(join(dir, 'build', 'keep.txt')), true);
      assert.match(run.stdout, /Warden blocked the tool call Bash/);
      assert.match(run.stdout, /rm/);
      assert.ok(!upstream.messageRequests().some((r) => toolResults(r.json).length > 0), 'no tool result came back: the agent never ran it');
      const rec = readAuditRecords(w.auditDir).find((r) => r.tool_decisions?.some((d) => d.outcome === 'deny'));
      assert.ok(rec, 'the refusal is audited');
      assert.equal(rec.tool_decisions![0]!.tool, 'Bash');
      assert.match(rec.tool_decisions![0]!.rule, /^tool_use\.defaults\.deny:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an allowed command runs', async () => {
    const dir = freshDir();
    try {
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('Created the marker.') : toolUseReply({ name: 'Bash', input: { command: 'touch allowed.marker', description: 'mark' } })));
      const { key } = w.key('dev');
      const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'create the marker', cwd: dir, allowedTools: ['Bash'] });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'allowed.marker')), true, run.stdout + run.stderr);
      assert.match(run.stdout, /Created the marker\./);
      const decisions = readAuditRecords(w.auditDir).flatMap((r) => r.tool_decisions ?? []);
      assert.ok(decisions.some((d) => d.tool === 'Bash' && d.outcome === 'allow'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the model asks to Read a .env holding an AWS key: the key never reaches the upstream', async () => {
    const dir = freshDir();
    try {
      writeFileSync(join(dir, '.env'), `AWS_ACCESS_KEY_ID=${AWS_KEY}\n`);
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('I read the file.') : toolUseReply({ name: 'Read', input: { file_path: join(dir, '.env') } })));
      const { key } = w.key('dev');
      const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'read the .env file', cwd: dir, allowedTools: ['Read'] });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.match(run.stdout, /Warden blocked the tool call Read/);
      const everything = upstream.requests.map((r) => r.body.toString('utf8')).join('\n');
      assert.ok(!everything.includes(AWS_KEY), 'the AWS access key reached the upstream');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key with a budget of two requests is stopped on the third with a readable message', async () => {
    const dir = freshDir();
    try {
      upstream.reset();
      upstream.script((req) => {
        const n = toolResults(req.json).length;
        return n < 2 ? toolUseReply({ name: 'Bash', input: { command: `echo step-${n}`, description: 'step' } }) : textReply('All steps done.');
      });
      const { key } = w.key('budgeted');
      const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'run the steps', cwd: dir, allowedTools: ['Bash'], timeoutMs: 60_000 });
      assert.equal(run.timedOut, false, 'Claude Code kept retrying instead of showing the error');
      const shown = run.stdout + run.stderr;
      assert.match(shown, /429/);
      assert.match(shown, /request budget of 2 requests in total/);
      assert.doesNotMatch(shown, /All steps done/);
      assert.equal(upstream.messageRequests().length, 2, 'exactly two requests reached the provider');
      const refused = readAuditRecords(w.auditDir).filter((r) => r.error_code === 'WARDEN_E_BUDGET_EXHAUSTED');
      assert.ok(refused.length >= 1);
      assert.equal(refused[0]!.rule, 'two-requests');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
