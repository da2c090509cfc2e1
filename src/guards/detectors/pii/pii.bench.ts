/**
 * Throughput of the PII detector alone on source text (all kinds, default confidence).
 * Run: npx tsx src/guards/detectors/pii/pii.bench.ts [corpus-file]
 * Without a file it concatenates .ts/.js files from node_modules up to ~20 MB.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createPiiDetector } from './index.js';

const TARGET_BYTES = 20_000_000;

function collectSource(dir: string, parts: string[], size: { n: number }): void {
  for (const name of readdirSync(dir)) {
    if (size.n >= TARGET_BYTES) return;
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) collectSource(path, parts, size);
    else if (/\.(?:ts|js|mjs|cjs)$/.test(name) && st.size > 1024) {
      const text = readFileSync(path, 'utf8');
      parts.push(text);
      size.n += text.length;
    }
  }
}

function corpus(): string {
  const file = process.argv[2];
  if (file) return readFileSync(file, 'utf8');
  const parts: string[] = [];
  collectSource(new URL('../../../../node_modules', import.meta.url).pathname, parts, { n: 0 });
  return parts.join('\n');
}

const text = corpus();
const detector = createPiiDetector();
const mb = text.length / 1e6;
let findings = 0;
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < 15; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  findings = detector.detect(text).length;
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
// On a shared machine wall time includes waiting for a CPU; CPU time is this process's own work.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rate = (ms: number) => (mb / (ms / 1000)).toFixed(0);
console.log(
  `pii detect: ${mb.toFixed(1)} MB (UTF-16 chars / 1e6), ${findings} findings; ` +
    `wall median ${median(wall).toFixed(1)} ms → ${rate(median(wall))} MB/s (best ${rate(Math.min(...wall))}); ` +
    `CPU median ${median(cpu).toFixed(1)} ms → ${rate(median(cpu))} MB/s`,
);
