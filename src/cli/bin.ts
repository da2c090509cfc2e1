/**
 * The process entry of `warden` (bin/warden.js imports it). It runs unconditionally: npx,
 * `npm link` and global installs start the command through a symlink, so no check of
 * process.argv[1] decides whether it runs.
 */
import { main } from './main.js';

// `warden … | head`: a closed pipe ends the command quietly instead of with an EPIPE trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await main(process.argv.slice(2), { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) });
process.exitCode = code;
