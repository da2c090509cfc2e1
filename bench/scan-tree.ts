/**
 * `warden scan` on a generated tree of FILES small source files (default 100 000, at most
 * 200 000) in 1 000 folders, plus an ignored node_modules of the same size that must cost
 * nothing: once as a plain folder (the .gitignore walker) and once as a git work tree (git
 * ls-files; history off, as the tree has a single commit). The whole `warden scan` process is
 * timed. Run after `npm run build`: npx tsx bench/scan-tree.ts [files=100000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = Math.min(Number(process.argv.find((a) => a.startsWith('files='))?.slice(6) ?? 100_000), 200_000);
const bin = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'warden-scan-bench-'));

function generate(dir: string, n: number): void {
  const perDir = 100;
  for (let d = 0; d * perDir < n; d++) {
    const sub = join(dir, `pkg${d % 50}`, `mod${d}`);
    mkdirSync(sub, { recursive: true });
    for (let i = 0; i < perDir && d * perDir + i < n; i++) {
      writeFileSync(join(sub, `file${i}.ts`), `// module ${d}/${i}\nexport function f${i}(x: number): number {\n  const url = process.env.API_URL ?? 'http://localhost:${3000 + i}';\n  return x * ${i} + url.length;\n}\n`);
    }
  }
}

function timeScan(dir: string): { seconds: number; files: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, 'scan', dir, '--json', '--no-history', '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`scan failed: ${r.status} ${r.stderr}`);
  return { seconds, files: (JSON.parse(r.stdout) as { files: number }).files };
}

try {
  const t0 = Date.now();
  generate(root, FILES);
  generate(join(root, 'node_modules'), FILES);
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
  console.log(`generated ${FILES} files (+${FILES} ignored) in ${((Date.now() - t0) / 1000).toFixed(1)} s; node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const plain = timeScan(root);
  console.log(`| plain folder (.gitignore walker) | ${plain.files} | ${plain.seconds.toFixed(2)} s |`);
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=b', '-c', 'commit.gpgsign=false', ...a], { cwd: root, stdio: 'ignore', timeout: 600_000 });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'tree');
  const inGit = timeScan(root);
  console.log(`| git work tree (git ls-files) | ${inGit.files} | ${inGit.seconds.toFixed(2)} s |`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
