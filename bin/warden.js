#!/usr/bin/env node
// Entry for the `warden` command: the compiled CLI lives in dist/ (npm run build).
// Imported unconditionally: npx, npm link and global installs run this file through a symlink.
// `warden hook pre-tool-use` (and `hook mcp-headers`) runs before every tool call of an agent: it skips commander and
// the CLI's modules (its own lean entry); `--help` still goes through the full CLI.
const [group, sub, ...rest] = process.argv.slice(2);
if (group === 'hook' && (sub === 'pre-tool-use' || sub === 'mcp-headers') && !rest.some((a) => a === '--help' || a === '-h')) await import('../dist/src/cli/hook/bin.js');
else await import('../dist/src/cli/bin.js');
