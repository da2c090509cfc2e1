/**
 * The rule set Warden ships for agents, after seed 003 ("seven rules"): its allow list of
 * read-only and build/test commands, its deny list of destructive, privilege-raising and
 * remote-shell commands, and reads of secrets (`.env`, keys). Changes from the seed, each
 * for a reason written in docs/permission-rules.md: flag-order-insensitive `argv:` rules
 * for `rm -rf`, `git push --force` and `chmod 777`; curl/wget piped into a shell is denied
 * while plain curl/wget asks; `git diff *`/`git log *` keep a word boundary.
 */
import type { PermissionRules } from './types.js';

const SHELLS = 'sh|bash|zsh|dash|ksh|mksh|ash|fish|eval|source|.';

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
    `Bash(argv: curl|wget | ${SHELLS})`,
    'Bash(sudo *)',
    'Bash(doas *)',
    'Bash(su *)',
    'Bash(argv: chmod 777|0777|a+rwx|ugo+rwx|a=rwx)',
    'Bash(ssh *)',
    'Read(**/.env)',
    'Read(**/.env.*)',
    'Read(**/*.pem)',
    'Read(**/id_rsa*)',
    'Read(**/id_ed25519*)',
    'Read(~/.ssh/**)',
    'Read(~/.aws/credentials)',
  ]) as string[],
}) as PermissionRules;
