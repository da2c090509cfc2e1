#!/usr/bin/env node
// Entry for the `warden` command: the compiled CLI lives in dist/ (npm run build).
// Imported unconditionally: npx, npm link and global installs run this file through a symlink.
await import('../dist/src/cli/bin.js');
