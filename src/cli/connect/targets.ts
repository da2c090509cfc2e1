/**
 * Which files `warden connect claude-code` edits for each scope, and what goes in them.
 * Claude Code reads settings from (highest first) the managed file an organisation deploys
 * (`/etc/claude-code/managed-settings.json`), the project (`.claude/settings.json`) and the
 * user (`$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`); MCP servers
 * from `managed-mcp.json` beside the managed settings, the project's `.mcp.json`, and the
 * user's `.claude.json` (in `$CLAUDE_CONFIG_DIR` when set, else in the home folder).
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { claudeCodePermissions } from '../../policy/permissions/claude-code-syntax.js';
import type { JsonObject } from './json-merge.js';

export type Scope = 'managed' | 'user' | 'project';

export interface TargetFile {
  path: string;
  /** What Warden merges into it. */
  add: JsonObject;
}

export const MANAGED_DIR = '/etc/claude-code';
export const MCP_SERVER_NAME = 'warden';

/** `'a b'` → `"a b"`: the commands run through a shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface ConnectInputs {
  scope: Scope;
  /** Overrides the scope's folder: the managed folder, the project, or the Claude config dir. */
  dir: string | undefined;
  url: string;
  /** The absolute command that starts `warden` (node and the entry script). */
  warden: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * bin/warden-hook.sh, the PreToolUse hook that asks Warden with curl instead of starting
   * node (node's start-up alone exceeds the hook's latency budget); undefined: the node hook.
   */
  fastHook?: string | undefined;
}

/** Whether `curl` is on the PATH the hook will run with: the fast hook needs it. */
export function curlOnPath(env: Record<string, string | undefined>): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => {
    if (!d) return false;
    try {
      accessSync(join(d, 'curl'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function hookCommand(i: ConnectInputs, warden: string, url: string): string {
  if (!i.fastHook) return `${warden} hook pre-tool-use --url ${shellQuote(url)}`;
  // The node hook stays behind it: no credential, a refused (expired) token or no curl hands over.
  return `/bin/sh ${shellQuote(i.fastHook)} ${shellQuote(url)} -- ${warden}`;
}

export function targetFiles(i: ConnectInputs): TargetFile[] {
  const warden = i.warden.map(shellQuote).join(' ');
  const url = i.url.replace(/\/+$/, '');
  const { deny, ask } = claudeCodePermissions();
  const settings: JsonObject = {
    env: { ANTHROPIC_BASE_URL: url },
    // The credential comes from the helper at run time: no key or token sits in this file.
    apiKeyHelper: `${warden} token`,
    permissions: { deny, ask },
    hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: hookCommand(i, warden, url), timeout: 10 }] }] },
  };
  const mcp: JsonObject = {
    mcpServers: { [MCP_SERVER_NAME]: { type: 'http', url: `${url}/mcp`, headersHelper: `${warden} hook mcp-headers` } },
  };
  switch (i.scope) {
    case 'managed': {
      const dir = resolve(i.dir ?? MANAGED_DIR);
      return [{ path: join(dir, 'managed-settings.json'), add: settings }, { path: join(dir, 'managed-mcp.json'), add: mcp }];
    }
    case 'project': {
      const dir = resolve(i.cwd, i.dir ?? '.');
      // A project's .mcp.json servers need approval; this names Warden's as approved.
      return [{ path: join(dir, '.claude', 'settings.json'), add: { ...settings, enabledMcpjsonServers: [MCP_SERVER_NAME] } }, { path: join(dir, '.mcp.json'), add: mcp }];
    }
    case 'user': {
      const configDir = i.dir ? resolve(i.cwd, i.dir) : i.env.CLAUDE_CONFIG_DIR ? resolve(i.env.CLAUDE_CONFIG_DIR) : undefined;
      const home = i.env.HOME || homedir();
      return [
        { path: join(configDir ?? join(home, '.claude'), 'settings.json'), add: settings },
        { path: configDir ? join(configDir, '.claude.json') : join(home, '.claude.json'), add: mcp },
      ];
    }
  }
}
