/**
 * CPU µs per request of each Warden peer as a ratio to the naive Node proxy, per round and
 * as the median of the per-round ratios, from a harness run's results.json (the newest
 * under bench/.run/ unless a file is given). Ratios within a round are what to read on a
 * loaded machine: both peers ran minutes apart under the same load.
 * `npx tsx bench/cpu-ratios.ts [results.json]`
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell } from './lib/measure.js';
import { median } from './lib/stats.js';

const runs = join(dirname(fileURLToPath(import.meta.url)), '.run');
const file =
  process.argv[2] ??
  readdirSync(runs)
    .map((d) => join(runs, d, 'results.json'))
    .filter((f) => statSync(f, { throwIfNoEntry: false }))
    .sort()
    .pop()!;
const { cells, machine } = JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[]; machine: { loadAverageAtStart: number[]; loadAverageAtEnd?: number[] } };
const us = (c: Cell) => (c.usage && c.wrk.rps > 0 ? (c.usage.cpuPercent / 100 / c.wrk.rps) * 1e6 : NaN);
console.log(`${file}\nload at start ${machine.loadAverageAtStart.join(' ')}, at end ${machine.loadAverageAtEnd?.join(' ') ?? '?'}`);
const groups = new Map<string, Cell[]>();
for (const c of cells) groups.set(`${c.scenario} c=${c.connections}`, [...(groups.get(`${c.scenario} c=${c.connections}`) ?? []), c]);
for (const [g, cs] of groups) {
  const rounds = [...new Set(cs.map((c) => c.round))];
  const peers = [...new Set(cs.map((c) => c.peer))].filter((p) => p !== 'node-naive');
  const naive = cs.filter((c) => c.peer === 'node-naive');
  const line = [`${g.padEnd(18)} naive ${median(naive.map(us)).toFixed(1).padStart(6)} µs p50 ${median(naive.map((c) => c.wrk.p50Ms)).toFixed(3)} ms`];
  for (const p of peers) {
    const mine = cs.filter((c) => c.peer === p);
    const ratios = rounds.flatMap((r) => {
      const a = mine.find((c) => c.round === r);
      const b = naive.find((c) => c.round === r);
      return a && b ? [us(a) / us(b)] : [];
    });
    line.push(`${p} ${median(mine.map(us)).toFixed(1).padStart(6)} µs ${median(ratios).toFixed(2)} × [${ratios.map((x) => x.toFixed(2)).join(' ')}] p50 ${median(mine.map((c) => c.wrk.p50Ms)).toFixed(3)} ms`);
  }
  console.log(line.join('\n    '));
}
