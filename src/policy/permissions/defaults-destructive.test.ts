/**
 * The destructive commands the default set denies beyond seed 003's list, each class in many
 * spellings (quoting, `\rm`, absolute paths, `command`, wrappers, flag orders and clusters,
 * long options), the benign look-alikes it must leave alone, and the rules that keep an
 * agent away from Warden's own controls (its CLI, store, config and audit files).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePermissionRules, DEFAULT_AGENT_RULES, evaluatePermissions } from './index.js';
import { CTX } from './helpers-for-tests.js';

const compiled = compilePermissionRules(DEFAULT_AGENT_RULES, 'permissions');
const run = (command: string, ctx = CTX) => evaluatePermissions(compiled, { tool: 'Bash', input: { command } }, ctx);

function table(name: string, rows: readonly [string, RegExp][], outcome: 'deny' | 'none' | 'allow' | 'ask' = 'deny'): void {
  describe(name, () => {
    for (const [command, rule] of rows)
      test(`${JSON.stringify(command)} → ${outcome}`, () => {
        const r = run(command);
        assert.equal(r.outcome, outcome, `${r.rule} | ${r.reason}`);
        assert.match(r.rule ?? '', rule);
      });
  });
}

const STDIN = /sh\|bash.*<<<\|<</;
const DECODE = /base64\|base32.*-d\|-D\|--decode \|/;
table('a script fed to a shell where the rules cannot read it', [
  ['bash <<< "rm -rf /"', STDIN],
  ['bash <<< "$PAYLOAD"', STDIN],
  ["sh <<<'echo hi'", STDIN],
  ['/bin/bash -s <<< "ls"', STDIN],
  ['bash <<EOF\nls\nEOF', STDIN],
  ["bash <<'EOF'\nrm -fr ~\nEOF", STDIN],
  ['zsh <<-END\n\techo x\n\tEND', STDIN],
  ['cat <<EOF | sh\nrm -rf x\nEOF', /cat\|echo\|printf \|/],
  ['echo "rm -rf /" | bash', /cat\|echo\|printf \|/],
  ["printf 'git reset --hard\\n' | sh -s", /cat\|echo\|printf \|/],
  ['cat install.sh | sudo bash', /./],
  ['source /dev/stdin <<< "echo hi"', STDIN],
  ['echo cm0gLXJmIC8K | base64 -d | sh', DECODE],
  ['echo cm0gLXJmIC8K | base64 --decode | bash', DECODE],
  ['base64 -D payload.txt | zsh', DECODE],
  ['echo x | base64 -di | sudo bash -s', /./],
  ['sh -c "$(echo cm0= | base64 -d)"', DECODE],
  ['bash <(base64 -d p.b64)', DECODE],
  ['openssl base64 -d -in p.b64 | sh', DECODE],
  ['xxd -r -p payload.hex | bash', /xxd -r/],
  ['echo x | base64 -d | eval "$(cat)"', /./],
]);

const DEV = /Edit\(\/\/dev\/\*\*\)/;
table('raw disks, file systems, shredding', [
  ['dd if=disk.img of=/dev/sda', DEV],
  ['dd of=/dev/nvme0n1 if=x bs=4M', DEV],
  ['dd if=/dev/zero of="/dev/sdb" count=1', DEV],
  ['dd if=x of=//dev/sda', DEV],
  ['dd if=x of=/dev/../dev/sda', DEV],
  ['dd if=x of=../../dev/sda', DEV], // from /repo
  ['\\dd if=x of=/dev/mmcblk0', DEV],
  ['/usr/bin/dd if=x of=/dev/sda', DEV],
  ['command dd if=x of=/dev/sda', DEV],
  ['timeout 60 dd if=x of=/dev/sda', DEV],
  ['echo x > /dev/sda', DEV],
  ['cat img > /dev/disk/by-id/usb-1', DEV],
  ['cp boot.img /dev/sdc', DEV],
  ['tee /dev/sda < img', DEV],
  ['mkfs.ext4 /dev/sdb1', /mkfs\*/],
  ['mkfs -t xfs /dev/sdb1', /mkfs\*/],
  ['/sbin/mkfs.vfat /dev/sdc', /mkfs\*/],
  ["'mkfs.btrfs' -f /dev/sdd", /mkfs\*/],
  ['mke2fs /dev/sdb1', /mkfs\*/],
  ['nice mkfs.ext4 /dev/sdb1', /mkfs\*/],
  ['wipefs -a /dev/sdb', /wipefs/],
  ['wipefs --all /dev/sdb', /wipefs/],
  ['shred -u secrets.txt', /shred/],
  ['shred -vzn 3 /dev/sda', /./],
  ['/usr/bin/shred f', /shred/],
  ['s\\hred f', /shred/],
  ['find . -name "*.log" -exec shred -u {} +', /shred/],
  ['crontab -r', /crontab -r/],
  ['crontab -ir', /crontab -r/],
  ['crontab -u bob -r', /crontab -r/],
  ['env crontab -r', /crontab -r/],
]);

const RESET = /git reset --hard/;
const CLEAN = /git clean/;
const DELETE = /git push -d\|--delete|git push :\*/;
table('git history and work-tree wipes', [
  ['git reset --hard', RESET],
  ['git reset --hard HEAD~3', RESET],
  ['git reset HEAD~1 --hard', RESET],
  ['git -C ../other reset --hard origin/main', RESET],
  ['git --git-dir=.git reset --hard', RESET],
  ['"git" reset "--hard"', RESET],
  ['/usr/bin/git reset --hard', RESET],
  ['command git reset --hard', RESET],
  ['git reset --har', RESET], // git accepts unambiguous abbreviations
  ['git clean -fdx', CLEAN],
  ['git clean -xdf', CLEAN],
  ['git clean -dfx', CLEAN],
  ['git clean -f -d -x', CLEAN],
  ['git clean -x -d -f', CLEAN],
  ['git clean --force -dx', CLEAN],
  ['git clean -ffdx', CLEAN],
  ['git clean -f', CLEAN],
  ['git -c clean.requireForce=false clean -d', CLEAN],
  ['git clean -fdX', CLEAN],
  ['git push origin :main', DELETE],
  ['git push origin :refs/heads/feature', DELETE],
  ['git push origin ":main"', DELETE],
  ['git push --delete origin main', DELETE],
  ['git push origin --delete main', DELETE],
  ['git push -d origin main', DELETE],
  ['git push origin -d main', DELETE],
  ['git push --del origin main', DELETE],
  ['git push -ud origin x', DELETE],
  ['git push --prune origin refs/heads/*:refs/heads/*', /--prune/],
  ['git push --mirror backup', /--mirror/],
  ['git push origin +:main', /git push \+\*/],
]);

const CLI = /approvals\|keys\|consumers\|admin-key/;
table("Warden's own controls: the CLI that grants access", [
  ['warden approvals approve apr_1 --by me', CLI],
  ['warden --config warden.yaml approvals approve apr_1', CLI],
  ['warden keys create --consumer me', CLI],
  ['warden consumers add me', CLI],
  ['warden admin-key', CLI],
  ['/usr/local/bin/warden approvals list', CLI],
  ['npx warden approvals approve apr_1', CLI],
  ['npx -y warden@latest keys create', CLI],
  ['npm exec -- warden approvals approve apr_1', CLI],
  ['node bin/warden.js approvals approve apr_1', CLI],
  ['node /opt/warden/bin/warden.js keys revoke k1', CLI],
  ['./bin/warden.js approvals approve apr_1', CLI],
  ['node dist/src/cli/main.js approvals approve apr_1', CLI],
  ['node ./dist/src/cli/main.js admin-key', CLI],
  ['npx tsx src/cli/main.ts keys create', CLI],
  ['cd /opt/warden && node dist/src/cli/main.js consumers add x', CLI],
  ['bash -c "npx warden approvals approve apr_1"', CLI],
  ['env WARDEN_CONFIG=w.yaml npx warden approvals approve x', CLI],
]);

const FILES = /Read\(\*\*\/(?:\.warden|warden\.ya?ml|warden\.db\*|audit-\*\.jsonl|\*\.key)\)/;
table("Warden's own controls: its store, config and audit files through Bash", [
  ['cat .warden/warden.db', FILES],
  ['sqlite3 .warden/warden.db "update approvals set status=\'approved\'"', FILES],
  ['sqlite3 /srv/app/.warden/warden.db .dump', FILES],
  ['sqlite3 -cmd ".tables" data/warden.db', FILES],
  ['rm -f .warden/warden.db-wal', FILES],
  ['cp evil.db .warden/warden.db', FILES],
  ['sed -i s/deny/allow/ warden.yaml', FILES],
  ['cat warden.yaml', FILES],
  ['echo "policy: {}" > warden.yaml', FILES],
  ['vim config/warden.yml', FILES],
  ['truncate -s 0 .warden/audit/audit-000001.jsonl', FILES],
  ['echo {} >> /var/lib/warden/audit/audit-000002.jsonl', FILES],
  ['rm -r .warden/audit', FILES],
  ['mv .warden /tmp/x', FILES],
  ['cat /etc/warden/audit.key', FILES],
  ['cd .warden && rm warden.db', FILES],
]);

table('benign look-alikes stay as they were', [
  ['git reset --soft HEAD~1', /^$/],
  ['git reset HEAD file.ts', /^$/],
  ['git reset --mixed', /^$/],
  ['git push origin main', /^$/],
  ['git push -u origin feature', /^$/],
  ['git push origin main:main', /^$/],
  ['git push --dry-run origin main', /^$/],
  ['git clean -n', /^$/],
  ['git commit -m "clean up: reset --hard is gone"', /^$/],
  ['dd if=a of=b.img', /^$/],
  ['dd if=/dev/zero of=/dev/null bs=1M count=10', /^$/],
  ['dd if=/dev/urandom of=test.bin count=1', /^$/],
  ['echo mkfs', /^$/],
  ['echo "rm -rf / | sh"', /^$/],
  ['man shred', /^$/],
  ['crontab -l', /^$/],
  ['base64 -d blob.b64 > out.bin', /^$/],
  ['echo aGk= | base64 -d', /^$/],
  ['bash scripts/build.sh', /^$/],
  ['python3 - <<EOF\nprint(1)\nEOF', /^$/],
  ['cat <<EOF > notes.md\nrm -rf /\nEOF', /^$/],
  ['echo x > /dev/null', /^$/],
  ['warden audit verify', /^$/],
  ['npx warden policy explain', /^$/],
  ['grep approvals src/cli/main.ts', /^$/],
  ['cat docs/warden-guide.md', /^$/],
  ['sqlite3 app.db .tables', /^$/],
], 'none');
table('benign look-alikes the defaults allow', [['git status && git log --oneline -3', /git status/]], 'allow');

describe('Read, Edit and Write tools on Warden files', () => {
  const rows: [string, string][] = [
    ['Read', '/repo/.warden/warden.db'],
    ['Read', '/repo/warden.yaml'],
    ['Read', '/srv/warden/audit/audit-000001.jsonl'],
    ['Read', '/etc/warden/audit-hmac.key'],
    ['Edit', '/repo/warden.yaml'],
    ['Edit', '/repo/.warden/audit/HEAD'],
    ['Write', '/repo/.warden/warden.db'],
    ['Write', '/repo/config/warden.yml'],
    ['MultiEdit', '/repo/warden.yaml'],
    ['Grep', '/repo/.warden'],
  ];
  for (const [tool, path] of rows)
    test(`${tool} ${path} → deny`, () => {
      const input = tool === 'Grep' ? { pattern: 'x', path } : { file_path: path };
      const r = evaluatePermissions(compiled, { tool, input }, CTX);
      assert.equal(r.outcome, 'deny', r.rule);
      assert.match(r.rule ?? '', FILES);
    });
  test('an ordinary file stays allowed', () => assert.equal(evaluatePermissions(compiled, { tool: 'Read', input: { file_path: '/repo/src/app.ts' } }, CTX).outcome, 'allow'));
});
