/**
 * Runs `warden hook pre-tool-use` as Claude Code does: a separate process through
 * bin/warden.js (the compiled lean entry: build first), the hook JSON on stdin. Asynchronous,
 * so a Warden in the test's own process keeps answering while the hook waits.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
export const WARDEN_BIN = fileURLToPath(new URL(here.endsWith('.js') ? '../../../bin/warden.js' : '../../bin/warden.js', import.meta.url));

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runWardenBin(args: string[], input: string, env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<HookRun> {
  return runHookProcess(process.execPath, [WARDEN_BIN, ...args], input, env, timeoutMs);
}

function runHookProcess(cmd: string, args: string[], input: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    child.stdin.end(input);
  });
}

export function hookInput(tool: string, input: Record<string, unknown>, cwd = '/tmp'): string {
  return JSON.stringify({ session_id: 'sess-1', transcript_path: '/tmp/t.jsonl', cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: 'toolu_1' });
}

export const FAST_HOOK = fileURLToPath(new URL(here.endsWith('.js') ? '../../../bin/warden-hook.sh' : '../../bin/warden-hook.sh', import.meta.url));

/** bin/warden-hook.sh as `warden connect claude-code` writes it: sh, the URL, then the node hook behind it. */
export function runFastHook(url: string, input: string, env: Record<string, string | undefined>, flags: string[] = [], timeoutMs = 20_000): Promise<HookRun> {
  return runHookProcess('/bin/sh', [FAST_HOOK, ...flags, url, '--', process.execPath, WARDEN_BIN], input, env, timeoutMs);
}
