/**
 * The credential the hook sends to Warden, found without starting another process in the
 * common case (a hook runs before every tool call; a second node start would double its
 * latency): `$WARDEN_TOKEN`, then what `warden login` stored (a virtual key, or an OIDC
 * access token still valid for a minute), then Claude Code's own `ANTHROPIC_AUTH_TOKEN` /
 * `ANTHROPIC_API_KEY`. Only an OIDC login whose access token expired runs `warden token`
 * (the apiKeyHelper), which refreshes it under the login store's lock.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

/**
 * The login store's file (src/cli/login/store.ts: same folder rules, same refusals), read here
 * without that module: it loads the error catalogue and node:crypto, a third of the hook's
 * start-up. Anything unusual is left to `warden token`, which reports it.
 */
function storedCredential(env: Env): { kind: 'key'; key: string } | { kind: 'oidc'; access_token: string; expires_at: number } | 'ask-token' | undefined {
  const dir = env.WARDEN_LOGIN_DIR || join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'warden');
  const file = join(dir, 'credentials.json');
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return undefined;
  }
  // A file others may read or write is not trusted (the store refuses it too).
  if (!st.isFile() || (st.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid())) return 'ask-token';
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (j.version === 1 && j.kind === 'key' && typeof j.key === 'string' && j.key) return { kind: 'key', key: j.key };
    if (j.version === 1 && j.kind === 'oidc' && typeof j.access_token === 'string' && typeof j.expires_at === 'number') return { kind: 'oidc', access_token: j.access_token, expires_at: j.expires_at };
  } catch {
    // fall through
  }
  return 'ask-token';
}

async function runTokenCommand(wardenBin: string, env: Env, timeoutMs: number): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [wardenBin, 'token'], { env: env as NodeJS.ProcessEnv, timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
      const t = String(stdout).trim();
      if (err || !t) reject(new Error(String(stderr).trim().split('\n')[0] || `warden token failed (${err?.message ?? 'no output'})`));
      else resolve(t);
    });
  });
}

const SKEW_MS = 60_000;

export async function hookCredential(env: Env, wardenBin: string, timeoutMs: number): Promise<string | undefined> {
  if (env.WARDEN_TOKEN) return env.WARDEN_TOKEN;
  const s = storedCredential(env);
  if (s === 'ask-token') return runTokenCommand(wardenBin, env, timeoutMs);
  if (s?.kind === 'key') return s.key;
  if (s?.kind === 'oidc') return s.expires_at - SKEW_MS > Date.now() ? s.access_token : runTokenCommand(wardenBin, env, timeoutMs);
  return env.ANTHROPIC_AUTH_TOKEN || env.ANTHROPIC_API_KEY || undefined;
}
