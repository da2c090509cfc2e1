// Mutation testing of the security-deciding modules (see docs/testing.md). StrykerJS lives in
// mutation/ with its own package.json so the root `npm install` stays small; it is installed
// there on first use. Slow (a process per mutant and covering test file): not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const bin = 'mutation/node_modules/.bin/stryker';
if (!existsSync(bin)) {
  const install = spawnSync('npm', ['ci', '--prefix', 'mutation', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const run = spawnSync(bin, ['run', 'mutation/stryker.config.json', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
