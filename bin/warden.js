#!/usr/bin/env node
// Entry for the `warden` command: the compiled CLI lives in dist/ (npm run build).
import('../dist/src/cli/main.js');
