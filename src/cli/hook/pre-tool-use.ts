/**
 * `warden hook pre-tool-use`: Claude Code's PreToolUse command hook. It sends the hook
 * document from stdin to Warden's decision endpoint and prints the hook decision JSON.
 * Fail closed (CLAUDE-CODE.md: only exit 2 blocks; an `http` hook would fail open): when
 * Warden cannot be reached, refuses the credential or answers anything but a decision, the
 * hook exits 2 with the reason on stderr — unless `--fail-open`, when it prints nothing and
 * Claude Code's own permission rules decide. This module stays small: it runs before every
 * tool call, and node's start-up is most of its budget (docs/benchmarks.md).
 */
import { parseArgs } from 'node:util';
import { hookOutput, type HookDecision } from '../../doors/hook/hook-output.js';
import { askWarden } from './ask-warden.js';
import { hookCredential } from './credential.js';

export interface HookRunIO {
  env: Record<string, string | undefined>;
  stdin: Buffer;
  /** The `warden` entry script, to run `warden token` when an OIDC access token expired. */
  wardenBin: string;
}

export interface HookRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const HOOK_USAGE = `usage: warden hook pre-tool-use [--url WARDEN_URL] [--timeout-ms N] [--fail-open] [--policy FILE [--consumer NAME]]\n`;

const DECISIONS = new Set(['allow', 'deny', 'ask']);

function decided(decision: HookDecision, reason: string | undefined): HookRunResult {
  return { code: 0, stdout: `${JSON.stringify(hookOutput(decision, reason))}\n`, stderr: '' };
}

/** Blocks the call: exit 2 is the one answer Claude Code treats as "deny" whatever else failed. */
function blocked(why: string): HookRunResult {
  return { code: 2, stdout: '', stderr: `Warden hook: ${why}\n` };
}

export async function runPreToolUse(argv: string[], io: HookRunIO): Promise<HookRunResult> {
  let o: { url?: string; 'timeout-ms'?: string; 'fail-open'?: boolean; policy?: string; consumer?: string };
  try {
    o = parseArgs({ args: argv, options: { url: { type: 'string' }, 'timeout-ms': { type: 'string' }, 'fail-open': { type: 'boolean' }, policy: { type: 'string' }, consumer: { type: 'string' } } }).values;
  } catch (e) {
    return { code: 2, stdout: '', stderr: `WARDEN_E_USAGE: ${(e as Error).message}\n${HOOK_USAGE}` };
  }
  const timeoutMs = o['timeout-ms'] === undefined ? 5000 : Number(o['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) return { code: 2, stdout: '', stderr: `WARDEN_E_USAGE: --timeout-ms must be a whole number of milliseconds, 1-600000\n` };

  if (o.policy !== undefined) {
    try {
      const { decideOffline } = await import('./offline.js');
      const d = await decideOffline(o.policy, o.consumer, io.stdin);
      return d.rule === 'tool_use.none' ? { code: 0, stdout: '', stderr: '' } : decided(d.decision, d.reason);
    } catch (e) {
      const err = e as { code?: string; message?: string; problems?: string[] };
      return blocked(`offline policy ${o.policy}: ${err.problems?.join('; ') ?? `${err.code ?? 'error'}: ${err.message ?? String(e)}`}`);
    }
  }

  const url = o.url ?? io.env.WARDEN_URL ?? io.env.ANTHROPIC_BASE_URL;
  const unreachable = (why: string): HookRunResult => (o['fail-open'] ? { code: 0, stdout: '', stderr: `Warden hook (fail-open): ${why}; Claude Code's own rules decide\n` } : blocked(why));
  if (!url) return blocked('no Warden URL: pass --url, or set WARDEN_URL (warden connect claude-code writes it)');
  try {
    new URL(url);
  } catch {
    return blocked(`--url ${JSON.stringify(url.slice(0, 200))} is not a URL`);
  }
  let credential: string | undefined;
  try {
    credential = await hookCredential(io.env, io.wardenBin, timeoutMs);
  } catch (e) {
    return blocked((e as Error).message);
  }
  if (!credential) return blocked('no credential for Warden: run `warden login` (or `warden login --key <virtual key>`)');

  let answer;
  try {
    answer = await askWarden(url, credential, io.stdin, timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return unreachable(`Warden at ${url} is unreachable (${err.code ?? err.message}); the tool call is blocked`);
  }
  let body: { decision?: unknown; reason?: unknown; error?: { message?: unknown }; hookSpecificOutput?: unknown };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return unreachable(`Warden at ${url} answered ${answer.status} without a decision`);
  }
  if (answer.status !== 200 || typeof body.decision !== 'string' || !DECISIONS.has(body.decision)) {
    const msg = typeof body.error?.message === 'string' ? body.error.message : `status ${answer.status}`;
    // A refused credential or a bad document is a decision about this call, never a reason to fail open.
    return answer.status >= 500 ? unreachable(`Warden at ${url} failed: ${msg}`) : blocked(`Warden refused the decision request: ${msg}`);
  }
  // No rule spoke (Warden sends no hook decision): print none, so Claude Code's own rules and prompts apply.
  if (body.hookSpecificOutput === undefined) return { code: 0, stdout: '', stderr: '' };
  return decided(body.decision as HookDecision, typeof body.reason === 'string' ? body.reason : undefined);
}
