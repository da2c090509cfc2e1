/**
 * The credential the hook sends to Warden, found without starting another process in the
 * common case (a hook runs before every tool call; a second node start would double its
 * latency): `$WARDEN_TOKEN`, then what `warden login` stored (a virtual key, or an OIDC
 * access token still valid for a minute), then Claude Code's own `ANTHROPIC_AUTH_TOKEN` /
 * `ANTHROPIC_API_KEY`. Only an OIDC login whose access token expired runs `warden token`
 * (the apiKeyHelper), which refreshes it under the login store's lock.
 */
import { execFile } from 'node:child_process';
import { loadCredentials } from '../login/store.js';

type Env = Record<string, string | undefined>;

function runTokenCommand(wardenBin: string, env: Env, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(process.execPath, [wardenBin, 'token'], { env: env as NodeJS.ProcessEnv, timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout) => {
      const t = String(stdout).trim();
      resolve(err || !t ? undefined : t);
    });
  });
}

const SKEW_MS = 60_000;

export async function hookCredential(env: Env, wardenBin: string, timeoutMs: number): Promise<string | undefined> {
  if (env.WARDEN_TOKEN) return env.WARDEN_TOKEN;
  // The login store's own reader: it refuses a file other users could read.
  const s = loadCredentials(env);
  if (s?.kind === 'key') return s.key;
  if (s?.kind === 'oidc') {
    if (s.expires_at - SKEW_MS > Date.now()) return s.access_token;
    const fresh = await runTokenCommand(wardenBin, env, timeoutMs);
    if (fresh) return fresh;
  }
  return env.ANTHROPIC_AUTH_TOKEN || env.ANTHROPIC_API_KEY || undefined;
}
