/**
 * What `warden scan` checks: seed 003's audit script and ten-point checklist as rules, each
 * with a stable id (SARIF `ruleId`), a default severity and the fix to make.
 */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface ScanRule {
  id: string;
  name: string;
  severity: Severity;
  /** One line: what is wrong. */
  short: string;
  /** What to do about it. */
  help: string;
}

export const SCAN_RULES = [
  { id: 'WS001', name: 'secret-in-file', severity: 'high', short: 'A secret (key, token, password) is written in a file', help: 'Remove it, rotate it, and read it from the environment or a secrets manager; keep the file out of version control.' },
  { id: 'WS002', name: 'secret-in-history', severity: 'high', short: 'A secret was committed in the git history', help: 'Rotate the secret: it stays readable in every clone. Rewrite the history only after rotating.' },
  { id: 'WS003', name: 'env-file-not-ignored', severity: 'high', short: 'A .env file is not ignored by git', help: 'Add `.env` and `.env.*` to .gitignore (keep a committed `.env.example` without values).' },
  { id: 'WS004', name: 'claude-settings-missing', severity: 'medium', short: 'No Claude Code settings with permission rules in the project', help: 'Run `warden connect claude-code --project` (or commit .claude/settings.json with permissions.deny).' },
  { id: 'WS005', name: 'claude-deny-missing', severity: 'medium', short: 'Claude Code settings do not deny a destructive command', help: 'Add deny rules for destructive commands; `warden connect claude-code` writes Warden\'s baseline list.' },
  { id: 'WS006', name: 'mcp-literal-secret', severity: 'high', short: '.mcp.json holds a literal secret', help: 'Reference an environment variable (`"Bearer ${TOKEN}"`) or use a headersHelper command; rotate the secret.' },
  { id: 'WS007', name: 'mcp-no-auth', severity: 'high', short: 'An MCP server answers without authentication', help: 'Require an Authorization header on the MCP server (an unauthenticated request must get 401), or route it through Warden.' },
  { id: 'WS008', name: 'lockfile-missing', severity: 'medium', short: 'package.json without a lockfile', help: 'Commit the lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml) so installs are reproducible.' },
  { id: 'WS009', name: 'dependency-unpinned', severity: 'low', short: 'A dependency is not pinned to one version', help: 'Pin exact versions (`"1.2.3"` in package.json, `==1.2.3` in requirements.txt).' },
  { id: 'WS010', name: 'image-unpinned', severity: 'medium', short: 'A container image has no tag, or uses :latest, and no digest', help: 'Pin the image to a version tag and a digest (`image:1.2.3@sha256:…`).' },
] as const satisfies readonly ScanRule[];

export type RuleId = (typeof SCAN_RULES)[number]['id'];
export const RULE_BY_ID: ReadonlyMap<string, ScanRule> = new Map(SCAN_RULES.map((r) => [r.id, r]));

export interface ScanFinding {
  rule: RuleId;
  severity: Severity;
  message: string;
  /** Relative to the scanned folder, `/`-separated; undefined for the folder itself. */
  file?: string;
  line?: number;
  column?: number;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
