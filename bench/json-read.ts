/**
 * The cost of reading a request body strictly (src/core/json/read.ts: UTF-8 check, one
 * linear scan for duplicate keys, lone surrogates, `__proto__` and depth, then JSON.parse)
 * against JSON.parse alone (what the doors did before) and a full hand-written parser
 * (bench/lib/hand-json-parser.ts), on a 50 KB and a 1 MB Claude-Code-shaped body.
 * Run: npm run build --silent && node dist/bench/json-read.js
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '../src/core/json/read.js';
import { scanJson } from '../src/core/json/scan.js';
import { handParse } from './lib/hand-json-parser.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here.includes('/dist/') ? join(here, '../../bench') : here, 'fixtures/claude-code-50k.json');
const base = JSON.parse(readFileSync(fixture, 'utf8')) as { messages: unknown[] };

/** The 50 KB body as is, and one grown to ~1 MB by continuing its conversation. */
function bodies(): Array<[string, Buffer]> {
  const small = Buffer.from(JSON.stringify(base));
  const turns = base.messages.slice(1);
  const big = { ...base, messages: [...base.messages] };
  while (Buffer.byteLength(JSON.stringify(big)) < 1_000_000) big.messages.push(...turns);
  return [['50 KB', small], ['1 MB', Buffer.from(JSON.stringify(big))]];
}

/**
 * CPU time per call, median over `rounds`; the variants take turns within each round so
 * that a busy machine and the garbage collector weigh on all of them alike.
 */
function measure(variants: Array<[string, () => void]>, rounds: number, inner: number): number[] {
  for (const [, fn] of variants) for (let i = 0; i < inner * 10; i++) fn();
  const cpu: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    variants.forEach(([, fn], v) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < inner; i++) fn();
      const c = process.cpuUsage(c0);
      cpu[v]!.push((c.user + c.system) / inner);
    });
  }
  return cpu.map((xs, v) => {
    xs.sort((a, b) => a - b);
    const med = xs[xs.length >> 1]!;
    console.log(`  ${variants[v]![0].padEnd(50)} ${med.toFixed(1).padStart(8)} µs CPU median (p90 ${xs[Math.floor(xs.length * 0.9)]!.toFixed(1)})`);
    return med;
  });
}

let sink = 0;
for (const [name, buf] of bodies()) {
  const inner = buf.length > 500_000 ? 4 : 100;
  const text = buf.toString('utf8');
  console.log(`${name} body (${buf.length} bytes):`);
  const [parse, scan, , strict, hand] = measure([
    ['JSON.parse(buf.toString()) — before', () => void (sink += JSON.parse(buf.toString('utf8')) ? 1 : 0)],
    ['scanJson(text) alone', () => void (scanJson(text), sink++)],
    ['isUtf8(buf) alone', () => void (sink += isUtf8(buf) ? 1 : 0)],
    ['readJson(buf) — UTF-8 check + scan + JSON.parse', () => void (sink += readJson(buf) ? 1 : 0)],
    ['hand parser (buf.toString() + handParse)', () => void (sink += handParse(buf.toString('utf8')) ? 1 : 0)],
  ], 80, inner);
  console.log(`  strict read: ${(strict! / parse!).toFixed(2)} × JSON.parse (+${(strict! - parse!).toFixed(1)} µs; the scan alone ${((scan! / parse!) * 100).toFixed(0)} % of a JSON.parse); hand parser ${(hand! / parse!).toFixed(2)} ×`);
}
console.log(`(node ${process.version}, load ${(await import('node:os')).loadavg()[0]!.toFixed(2)}, sink ${sink % 7})`);
