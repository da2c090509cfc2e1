/**
 * The credential the hook sends to Warden, found without starting another process in the
 * common case (a hook runs before every tool call; a second node start would double its
 * latency): `$WARDEN_TOKEN`, then what `warden login` stored (a virtual key, or an OIDC
 * access token still valid for a minute), then Claude Code's own `ANTHROPIC_AUTH_TOKEN` /
 * `ANTHROPIC_API_KEY`. Only an OIDC login whose access token expired runs `warden token`
 * (the apiKeyHelper), which refreshes it under the login store's lock.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

/** Same place as `warden login` keeps it: `$WARDEN_LOGIN_DIR`, else `$XDG_CONFIG_HOME/warden`, else `~/.config/warden`. */
export function credentialsFile(env: Env): string {
  const dir = env.WARDEN_LOGIN_DIR || join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'warden');
  return join(dir, 'credentials.json');
}

type Stored = { kind: 'key'; key: string } | { kind: 'oidc'; access_token: string; expires_at: number };

function readStored(env: Env): Stored | undefined {
  let text: string;
  try {
    text = readFileSync(credentialsFile(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (j.kind === 'key' && typeof j.key === 'string') return { kind: 'key', key: j.key };
    if (j.kind === 'oidc' && typeof j.access_token === 'string' && typeof j.expires_at === 'number') return { kind: 'oidc', access_token: j.access_token, expires_at: j.expires_at };
  } catch {
    // unreadable: `warden token` reports what is wrong with it
  }
  return undefined;
}

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
  const s = readStored(env);
  if (s?.kind === 'key') return s.key;
  if (s?.kind === 'oidc') {
    if (s.expires_at - SKEW_MS > Date.now()) return s.access_token;
    const fresh = await runTokenCommand(wardenBin, env, timeoutMs);
    if (fresh) return fresh;
  }
  return env.ANTHROPIC_AUTH_TOKEN || env.ANTHROPIC_API_KEY || undefined;
}
