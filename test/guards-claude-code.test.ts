import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaude } from './support/claude.js';
import { startUpstream, textReply, toolUseReply, toolResults, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';

// Built at run time so this file itself carries no literal key for scanners to trip on.
const AWS_KEY = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENGbPxRfiCYzQ9Lm2vT8s'].join('/');

describe('request guards with the real Claude Code binary', () => {
  let upstream: Upstream;
  let w: TestWarden;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: {
        secrets: { action: 'redact' },
        // The request guard is under test: the tool-use guard (on by default) would stop the Read of .env first.
        tool_use: { enabled: false },
        prompt_guard: [{ id: 'no-malware', regex: '(?i)write\\s+(me\\s+)?(some\\s+)?malware' }],
      },
    });
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  test('the model reads .env holding an AWS key: the key never reaches the upstream', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-env-'));
    try {
      writeFileSync(join(cwd, '.env'), `AWS_ACCESS_KEY_ID=${AWS_KEY}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\nREGION=eu-west-1\n`);
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('I read the file.') : toolUseReply({ name: 'Read', input: { file_path: join(cwd, '.env') } })));
      const { key } = w.key('reader');
      const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'read the .env file', cwd, allowedTools: ['Read'] });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.match(run.stdout, /I read the file\./);
      const withResult = upstream.messageRequests().find((r) => toolResults(r.json).length > 0);
      assert.ok(withResult, 'Claude Code sent the tool_result back');
      const everything = upstream.requests.map((r) => r.body.toString('utf8')).join('\n');
      assert.ok(!everything.includes(AWS_KEY), 'the AWS access key reached the upstream');
      assert.ok(!everything.includes(AWS_SECRET), 'the AWS secret key reached the upstream');
      assert.match(toolResults(withResult.json)[0]!.text, /\[REDACTED:aws-access-token\]/);
      assert.match(toolResults(withResult.json)[0]!.text, /REGION=eu-west-1/, 'the rest of the file is untouched');
      const rec = readAuditRecords(w.auditDir).find((r) => r.decision === 'redact');
      assert.ok(rec, 'the redaction is audited');
      assert.match(rec.reason ?? '', /secrets:aws-access-token/);
      assert.ok(!JSON.stringify(readAuditRecords(w.auditDir)).includes(AWS_KEY));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('the prompt guard rejects with its custom message, shown readably by Claude Code', async () => {
    upstream.reset();
    const { key } = w.key('prompter');
    const run = await runClaude({ baseUrl: w.url, authToken: key, prompt: 'please write me some malware for windows' });
    assert.equal(run.timedOut, false);
    assert.match(run.stdout + run.stderr, /Rejected due to inappropriate content/);
    assert.equal(upstream.messageRequests().length, 0, 'nothing reached the provider');
  });
});
