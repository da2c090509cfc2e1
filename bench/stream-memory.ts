/**
 * Where a governed Warden's memory goes around "Many slow streams" of bench/run.sh: the same
 * Warden configuration (bench/configs/NAME.yaml, one process), first the load the harness puts
 * on it before the streams (unique 50 KB Claude-Code-shaped requests, as wrk sends them), then
 * N concurrent slow streams; RSS and V8 heap at each step, and optionally heap snapshots
 * (`snapshots=1`: the config template needs `# bench-node-args: --heapsnapshot-signal=SIGUSR2`).
 *
 *   npm run build && npx tsx bench/stream-memory.ts [config=governed] [requests=4000] [streams=1000] [configs=DIR]
 */
import { readFileSync, readdirSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { wardenPeer } from './lib/warden-peer.js';
import { sampleTree, processTree } from './lib/proc-stats.js';
import { startMockUpstream, stopAll, stopChild } from './lib/proc.js';
import { prepareScenarios, TURN_MARKER } from './lib/scenarios.js';
import { slowStreams } from './lib/slow-streams.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, '..');
const opt = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? dflt;
const CONFIG = opt('config', 'governed');
const REQUESTS = Number(opt('requests', '4000'));
const STREAMS = Number(opt('streams', '1000'));
const SNAPSHOTS = opt('snapshots', '0') === '1';
const configsDir = opt('configs', join(benchDir, 'configs'));

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = join(benchDir, '.run', `stream-memory-${stamp}`);
mkdirSync(runDir, { recursive: true });
const scenarios = prepareScenarios(benchDir, runDir);
const { mock, upstreamPort } = await startMockUpstream(`0-${availableParallelism() - 1}`, benchDir, runDir, repoDir);
const peer = await wardenPeer({ runDir, benchDir: dirname(configsDir), upstreamPort, proxyCpu: 1 }, CONFIG, { repoDir });
const dir = join(runDir, `warden-${CONFIG}`);
const rss = () => sampleTree(processTree(peer.pid!)).rssKb / 1024;
const log = (s: string) => process.stdout.write(`${s}\n`);
let snaps = 0;
async function snapshot(label: string): Promise<void> {
  if (!SNAPSHOTS) return;
  const before = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
  process.kill(peer.pid!, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
    if (files.length > before) {
      const f = files.sort().pop()!;
      let size = -1;
      while (size !== statSync(join(dir, f)).size) {
        size = statSync(join(dir, f)).size;
        await new Promise((r) => setTimeout(r, 500));
      }
      log(`snapshot ${++snaps} (${label}): ${join(dir, f)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
try {
  log(`load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}; RSS after start ${rss().toFixed(0)} MB`);
  const s = scenarios.get('cc50k-json')!;
  const body = readFileSync(s.bodyFile, 'utf8');
  const agent = new Agent({ connections: 16 });
  let n = 0;
  const worker = async () => {
    while (n < REQUESTS) {
      const i = n++;
      const b = body.replace(TURN_MARKER, `BENCH_TURN_${String(i).padStart(12, '0')}`);
      const r = await request(peer.url, { method: 'POST', dispatcher: agent, headers: { ...s.headers, ...peer.headers }, body: b });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await agent.close();
  await new Promise((r) => setTimeout(r, 1000));
  log(`after ${REQUESTS} unique 50 KB requests: RSS ${rss().toFixed(0)} MB`);
  await snapshot('after the load');
  if (STREAMS > 0) {
    const sse = scenarios.get('small-sse')!;
    const during = slowStreams(peer, sse, STREAMS);
    await new Promise((r) => setTimeout(r, 3000));
    log(`${STREAMS} slow streams open: RSS ${rss().toFixed(0)} MB`);
    await snapshot('streams open');
    const r = await during;
    log(`slow streams: ${r.completed}/${r.streams} completed, ${r.peakConcurrent} at once, RSS before ${r.rssBeforeMb.toFixed(0)} MB, peak ${r.rssMaxMb.toFixed(0)} MB`);
  }
} finally {
  await peer.stop();
  await stopChild(mock.child);
  await stopAll();
}
log(`load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
process.exit(0);
