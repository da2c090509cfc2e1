// `npm start`: build only when a source is newer than the last build, so a start after an
// unchanged tree takes no compile. The stamp is written by this script after a full build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const inputs = ['src', 'scripts', 'bench', 'test', 'tsconfig.json', 'package.json', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (!built || Math.max(...inputs.map(newest)) > built) {
  process.stderr.write('building (sources changed since the last build)…\n');
  const r = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(STAMP, new Date().toISOString() + '\n');
}
