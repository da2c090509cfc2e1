/**
 * The LLM door's read of a Messages body (issue 14): the full strict read (readJson: scan,
 * then JSON.parse of everything) against the lazy one the door uses when no stage reads more
 * than model and stream (readJsonObjectLazily: one validating pass, then only those two
 * members parsed), and JSON.parse alone (what the naive proxy does). CPU time per call,
 * medians over interleaved rounds. Run: `npx tsx bench/llm-read.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson, readJsonObjectLazily } from '../src/core/json/read.js';
import { validateJson } from '../src/core/json/validate.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here.includes('/dist/') ? join(here, '../../bench') : here, 'fixtures');
const bodies: Array<[string, Buffer]> = [
  ['1 KB', readFileSync(join(fixtures, 'small.json'))],
  ['50 KB', readFileSync(join(fixtures, 'claude-code-50k.json'))],
];

let sink = 0;
for (const [name, buf] of bodies) {
  const text = buf.toString('utf8');
  const variants: Array<[string, () => void]> = [
    ['JSON.parse(buf.toString()) (naive proxy)', () => void (sink += JSON.parse(buf.toString('utf8')) ? 1 : 0)],
    ['readJson: strict full read (before)', () => void (sink += readJson(buf) ? 1 : 0)],
    ['readJsonObjectLazily + model + stream (after)', () => {
      const o = readJsonObjectLazily(buf);
      sink += String(o.get('model')).length + (o.get('stream') === true ? 1 : 0);
    }],
    ['validateJson(text) alone', () => void (sink += validateJson(text) ? 1 : 0)],
  ];
  const inner = buf.length > 10_000 ? 200 : 5000;
  for (const [, fn] of variants) for (let i = 0; i < inner * 5; i++) fn();
  const cpu: number[][] = variants.map(() => []);
  for (let r = 0; r < 15; r++) {
    variants.forEach(([, fn], v) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < inner; i++) fn();
      const c = process.cpuUsage(c0);
      cpu[v]!.push((c.user + c.system) / inner);
    });
  }
  console.log(`${name} body (${buf.length} bytes):`);
  cpu.forEach((xs, v) => {
    xs.sort((a, b) => a - b);
    console.log(`  ${variants[v]![0].padEnd(48)} ${xs[xs.length >> 1]!.toFixed(2).padStart(8)} µs CPU median`);
  });
}
if (sink === 42) console.log('');
