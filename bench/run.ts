/**
 * The load benchmark: Warden against direct, nginx and the Portkey gateway, by the method of
 * BENCHMARKS.md. `bash bench/run.sh` installs what it needs and runs this; `--help` lists the
 * options. Raw results go to bench/.run/<stamp>/results.json, the page to docs/benchmarks.md.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, loadAverage } from './lib/machine.js';
import { measureMatrix, summarize, warmUp } from './lib/measure.js';
import { SSE_BODY } from './lib/mock-responses.js';
import { parseOptions } from './lib/options.js';
import { directPeer, naiveNodePeer, nginxPeer, portkeyPeer, type Peer, type PeerEnv } from './lib/peers.js';
import { checkScenario, probeSse } from './lib/probe.js';
import { runCommand, startMockUpstream, stopAll, stopChild } from './lib/proc.js';
import { renderProfile, summarizeProfile } from './lib/profile-summary.js';
import { keptSections, renderReport, type RunResult } from './lib/report.js';
import { prepareScenarios, type Scenario } from './lib/scenarios.js';
import { slowStreams } from './lib/slow-streams.js';
import { judgeTargets } from './lib/targets.js';
import { listWardenConfigs, wardenPeer } from './lib/warden-peer.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const largestFile = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0] : undefined;
const repoDir = join(benchDir, '..');
const o = parseOptions(process.argv.slice(2));
const started = performance.now();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = join(benchDir, '.run', stamp);
mkdirSync(runDir, { recursive: true });
const log = (line: string) => {
  process.stdout.write(line + '\n');
  appendFileSync(join(runDir, 'log.txt'), line + '\n');
};

// The harness itself (and the probes it runs) belongs on the load generator's CPU.
await runCommand('taskset', ['-p', '-c', String(o.loadCpu), String(process.pid)]);
const portkeyPkg = join(benchDir, 'node_modules/@portkey-ai/gateway/package.json');
const machine = describeMachine(existsSync(portkeyPkg) ? (JSON.parse(readFileSync(portkeyPkg, 'utf8')) as { version: string }).version : 'not installed');
log(`run ${stamp}: ${machine.cpus} CPUs, ${machine.cpuModel}, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
if (machine.cpus < 2) throw new Error('the method needs 2 CPUs: one for the load generator, one for the proxy');

const scenarioMap = prepareScenarios(benchDir, runDir);
const scenarios = o.scenarios.map((id) => scenarioMap.get(id)!);

const { mock, upstreamPort } = await startMockUpstream(o.mockCpu, benchDir, runDir, repoDir);
log(`mock upstream on 127.0.0.1:${upstreamPort} (pid ${mock.pid}, CPU ${o.mockCpu})`);

const env: PeerEnv = { runDir, benchDir, upstreamPort, proxyCpu: o.proxyCpu };
const profileDir = o.profile ? join(runDir, 'profiles') : undefined;
const wardenConfigs = o.wardenConfigs ?? listWardenConfigs(benchDir);
const starters: [string, () => Promise<Peer>][] = [
  ['direct', async () => directPeer(env, mock.pid)],
  ['nginx', () => nginxPeer(env)],
  ['portkey', () => portkeyPeer(env)],
  ['node-naive', () => naiveNodePeer(env, profileDir)],
  ...wardenConfigs.map((c): [string, () => Promise<Peer>] => [`warden-${c}`, () => wardenPeer(env, c, { repoDir, ...(profileDir ? { cpuProfileDir: profileDir } : {}) })]),
  ...(o.workers ? wardenConfigs.map((c): [string, () => Promise<Peer>] => [`warden-${c}-${o.workers}w`, () => wardenPeer(env, c, { repoDir, workers: o.workers })]) : []),
];
const peers: Peer[] = [];
const startFailures: RunResult['startFailures'] = [];
for (const [name, start] of starters) {
  if (o.peers && !o.peers.includes(name)) continue;
  try {
    peers.push(await start());
    log(`started ${name}`);
  } catch (e) {
    startFailures.push({ peer: name, reason: (e as Error).message });
    log(`could not start ${name}: ${(e as Error).message}`);
  }
}

const unsupported: RunResult['unsupported'] = [];
const ok = new Set<string>();
for (const p of peers) {
  for (const s of scenarioMap.values()) {
    const c = await checkScenario(p, s);
    if (c.ok) ok.add(`${p.name}|${s.id}`);
    else {
      if (o.scenarios.includes(s.id)) unsupported.push({ peer: p.name, scenario: s.id, reason: c.reason ?? 'failed' });
      log(`${p.name} fails ${s.id}: ${c.reason}`);
    }
  }
}
const supported = (p: Peer, s: Scenario) => ok.has(`${p.name}|${s.id}`);

await warmUp(peers, scenarios, supported, o, log);
const cells = await measureMatrix(peers, scenarios, supported, o, log);
const summaries = summarize(cells);

const sseScenario = scenarioMap.get('small-sse')!;
const ssePeers = peers.filter((p) => ok.has(`${p.name}|small-sse`));
const sse = ssePeers.length ? await probeSse(ssePeers, sseScenario, SSE_BODY, o.sseProbeRounds) : [];
for (const s of sse) log(`sse ${s.peer.padEnd(16)} first byte p50 ${s.firstByteP50Ms.toFixed(3)} ms  identical ${s.identical}`);

const slow = [];
if (o.slowStreams > 0) {
  for (const p of peers.filter((x) => x.kind === 'warden' || x.kind === 'nginx')) {
    const r = await slowStreams(p, sseScenario, o.slowStreams);
    slow.push(r);
    log(`slow streams ${p.name}: ${r.completed}/${r.streams} done in ${r.wallS.toFixed(1)} s, ${r.peakConcurrent} at once, peak RSS ${r.rssMaxMb.toFixed(0)} MB${r.firstError ? `, first error: ${r.firstError}` : ''}`);
  }
}

machine.loadAverageAtEnd = loadAverage();
for (const p of peers) await p.stop();
await stopChild(mock.child);
await stopAll();
// Warden's audit logs (≈ 0.5 GB a full run) have served their purpose: they were written.
if (!o.keepAudit) {
  for (const p of peers.filter((x) => x.kind === 'warden')) {
    const dir = join(runDir, p.name, 'audit');
    // Recursive: with --workers each worker's chain is a sub-folder (worker-1/, …).
    const bytes = existsSync(dir) ? readdirSync(dir, { recursive: true }).reduce((n, f) => n + statSync(join(dir, String(f))).size, 0) : 0;
    rmSync(dir, { recursive: true, force: true });
    log(`${p.name} wrote ${(bytes / 2 ** 20).toFixed(0)} MB of audit log (removed; --keep-audit keeps it)`);
  }
}

const profiles: RunResult['profiles'] = [];
if (profileDir) {
  for (const p of peers.filter((x) => x.kind === 'warden' || x.kind === 'node-naive')) {
    const file = p.kind === 'node-naive' ? largestFile(join(profileDir, 'node-naive')) : join(profileDir, `${p.name}.cpuprofile`);
    if (!file || !existsSync(file)) {
      log(`no profile written for ${p.name}`);
      continue;
    }
    const summary = summarizeProfile(file, 30);
    profiles.push({ peer: p.name, file: relative(repoDir, file), summary });
    log(`\n${p.name} ${renderProfile(summary)}\n`);
  }
}

const result: RunResult = {
  machine,
  options: o,
  note: o.note + (o.profile ? ' Warden and the naive Node proxy ran under --cpu-prof (their figures are a little pessimistic).' : ''),
  durationS: (performance.now() - started) / 1000,
  peers: peers.map((p) => p.name),
  scenarios,
  unsupported,
  startFailures,
  summaries,
  sse,
  slow,
  targets: judgeTargets({ summaries, sse, slow, // The brief's targets are for one pinned process; the --workers peers are compared with it in the tables.
  wardenPeers: peers.filter((p) => p.kind === 'warden' && !/-\d+w$/.test(p.name)).map((p) => p.name) }),
  profiles,
  rawFile: relative(repoDir, join(runDir, 'results.json')),
};
writeFileSync(join(runDir, 'results.json'), JSON.stringify({ ...result, cells }, null, 2));
if (o.writeDoc) {
  const page = join(repoDir, 'docs/benchmarks.md');
  const kept = existsSync(page) ? keptSections(readFileSync(page, 'utf8')) : '';
  writeFileSync(page, renderReport(result) + (kept ? `\n${kept}` : ''));
}
log('\ntargets:');
for (const t of result.targets) log(`  ${t.info ? 'info' : t.met === undefined ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.name}: ${t.measured} (goal ${t.goal})`);
log(`\nraw results: ${result.rawFile}${o.writeDoc ? '; page: docs/benchmarks.md' : ''}; ${Math.round(result.durationS)} s`);
process.exit(0);
