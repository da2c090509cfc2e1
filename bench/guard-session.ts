/**
 * The request guard on a long agent session's request, every text already in its per-text
 * cache (what a turn costs beyond its new blocks): CPU per `inspect` of a freshly parsed body
 * (new strings, as off the wire) at turn 1 and turn 50 of bench/agent-session.ts's session.
 *
 *   npx tsx bench/guard-session.ts [rounds=200]   (add --cpu-prof to node for a profile)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { RequestGuard } from '../src/guards/request-guard.js';
import { sessionBody } from './lib/agent-session-body.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv.find((a) => a.startsWith('rounds='))?.slice(7) ?? 200);
const template = readFileSync(join(benchDir, 'configs/governed.yaml'), 'utf8').replace(/\{\{\w+\}\}/g, (m) => (m === '{{UPSTREAM_URL}}' ? 'http://127.0.0.1:3' : m === '{{DIR}}' ? '/tmp' : '1'));
const guard = new RequestGuard(parseConfig(template, 'governed.yaml', '/tmp').guards);
const texts = [1, 50].map((t) => JSON.stringify(sessionBody(0, t)));
for (const t of texts) await guard.inspect(JSON.parse(t) as Record<string, unknown>, 'bench');
const cpu: number[][] = texts.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < texts.length; i++) {
    const body = JSON.parse(texts[i]!) as Record<string, unknown>;
    const c = process.cpuUsage();
    await guard.inspect(body, 'bench');
    const d = process.cpuUsage(c);
    cpu[i]!.push(d.user + d.system);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
texts.forEach((t, i) => console.log(`turn ${i ? 50 : 1}: ${(t.length / 1024).toFixed(0)} KB, every text cached: ${med(cpu[i]!)} µs CPU median over ${ROUNDS}`));
