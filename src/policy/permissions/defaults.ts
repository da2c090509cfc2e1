/**
 * The rule set Warden ships for agents, after seed 003 ("seven rules"): its allow list of
 * read-only and build/test commands, its deny list of destructive, privilege-raising and
 * remote-shell commands, and reads of secrets (`.env`, keys). Changes from the seed, each
 * for a reason written in docs/permission-rules.md: flag-order-insensitive `argv:` rules;
 * curl/wget piped into a shell is denied while plain curl/wget asks; `git diff *`/`git log *`
 * keep a word boundary; more destructive commands in the seed's spirit (disk and history
 * wipes, scripts smuggled into a shell); and Warden's own controls (approvals, keys, its
 * store, config and audit files) out of the agent's reach.
 */
import type { PermissionRules } from './types.js';

const SHELLS = 'sh|bash|zsh|dash|ksh|mksh|ash|fish';
const SCRIPT_RUNNERS = `${SHELLS}|eval|source|.`;
/** Warden CLI commands that grant, mint or change access: an agent must not approve its own asks. */
const WARDEN_ADMIN = 'approvals|keys|consumers|admin-key';
/** Launchers an agent may run the Warden CLI through (`npx warden`, `node bin/warden.js`, `npm exec warden`). */
const LAUNCHERS = 'node|nodejs|npx|npm|pnpm|pnpx|yarn|bun|bunx|deno|tsx|ts-node';

export const DEFAULT_AGENT_RULES: PermissionRules = Object.freeze({
  allow: Object.freeze([
    'Bash(npm run test*)',
    'Bash(npm run build)',
    'Bash(git status)',
    'Bash(git diff *)',
    'Bash(git log *)',
    'Read',
    'Glob',
    'Grep',
  ]) as string[],
  ask: Object.freeze([
    // Network fetches may exfiltrate or pull code; the seed denies them, Warden asks.
    'Bash(curl *)',
    'Bash(wget *)',
  ]) as string[],
  deny: Object.freeze([
    'Bash(argv: rm -r|-R|--recursive -f|--force)',
    'Bash(argv: git push -f|--force|--force-with-lease|--force-if-includes)',
    'Bash(argv: git push +*)',
    'Bash(argv: git push -d|--delete|--prune|--mirror)',
    'Bash(argv: git push :*)',
    'Bash(argv: git reset --hard)',
    'Bash(argv: git clean -f|--force|-d|-x|-X)',
    `Bash(argv: curl|wget | ${SCRIPT_RUNNERS})`,
    // A script the rules cannot read: decoded at run time, or fed to a shell on stdin.
    `Bash(argv: base64|base32|basenc|openssl -d|-D|--decode | ${SCRIPT_RUNNERS})`,
    `Bash(argv: xxd -r|--revert | ${SCRIPT_RUNNERS})`,
    `Bash(argv: ${SHELLS}|source|. <<<|<<)`,
    `Bash(argv: cat|echo|printf | ${SCRIPT_RUNNERS})`,
    'Bash(argv: mkfs*|mke2fs)',
    'Bash(argv: wipefs -a|--all)',
    'Bash(argv: shred)',
    'Bash(argv: crontab -r)',
    'Bash(sudo *)',
    'Bash(doas *)',
    'Bash(su *)',
    'Bash(argv: chmod 777|0777|a+rwx|ugo+rwx|a=rwx)',
    'Bash(ssh *)',
    `Bash(argv: warden|warden.js|main.js ${WARDEN_ADMIN})`,
    `Bash(argv: ${LAUNCHERS} *warden*|*cli/main.js|*cli/main.ts ${WARDEN_ADMIN})`,
    'Read(**/.env)',
    'Read(**/.env.*)',
    'Read(**/*.pem)',
    'Read(**/*.key)',
    'Read(**/id_rsa*)',
    'Read(**/id_ed25519*)',
    'Read(~/.ssh/**)',
    'Read(~/.aws/credentials)',
    // Warden's own store, config and audit trail (defaults: .warden/warden.db, warden.yaml, .warden/audit).
    'Read(**/.warden)',
    'Read(**/warden.db*)',
    'Read(**/warden.yaml)',
    'Read(**/warden.yml)',
    'Read(**/audit-*.jsonl)',
    // Raw devices: `dd of=/dev/sda`, `> /dev/sda`, `cp img /dev/sdb`, `tee /dev/nvme0n1` (Bash file
    // writes are checked against Edit rules; /dev/null, /dev/stdout and the like are no files).
    'Edit(//dev/**)',
  ]) as string[],
}) as PermissionRules;
