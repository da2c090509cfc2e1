/** Command-line options of the load benchmark (bench/run.ts). */
import { parseArgs } from 'node:util';
import { ALL_SCENARIOS, type ScenarioId } from './scenarios.js';

export interface Options {
  quick: boolean;
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number[];
  scenarios: ScenarioId[];
  /** Scenarios also measured at one connection (added latency). */
  oneConnScenarios: ScenarioId[];
  peers: string[] | undefined;
  wardenConfigs: string[] | undefined;
  sseProbeRounds: number;
  slowStreams: number;
  profile: boolean;
  writeDoc: boolean;
  keepAudit: boolean;
  /** Free text about the conditions, printed in docs/benchmarks.md. */
  note: string;
  loadCpu: number;
  proxyCpu: number;
  /** The method puts the mock beside the proxy; --mock-cpu moves it (for a profile without it). */
  mockCpu: number;
  /** `--workers N`: each Warden configuration also runs as `warden start --workers N`, on every CPU. */
  workers: number | undefined;
}

export const USAGE = `usage: bash bench/run.sh [options]      (or: npx tsx bench/run.ts [options] once installed)
  --quick               about 2 minutes: 1 round of 3 s, fewer scenarios, 300 slow streams
                        (the full run takes about 12 minutes)
  --rounds N            interleaved rounds per measurement (default 3)
  --duration S          seconds per measurement (default 5)
  --peers a,b           only these peers (direct, nginx, portkey, node-naive, warden-<config>)
  --configs a,b         Warden configurations from bench/configs/ (default: all)
  --scenarios a,b       of ${ALL_SCENARIOS.join(', ')}
  --slow-streams N      concurrent slow SSE streams held through Warden (default 1000; 0 skips)
  --profile             run Warden (and the naive Node proxy) under --cpu-prof; print where the time went
  --mock-cpu N          pin the mock upstream to CPU N (default 1, beside the proxy); with 0 a
                        profile no longer charges the mock's run time to the proxy's writes
  --note TEXT           conditions to record with the results (e.g. "machine otherwise idle")
  --no-doc              do not rewrite docs/benchmarks.md (raw JSON still goes to bench/.run/)
  --keep-audit          keep Warden's audit logs of the run (about 0.5 GB for a full run)
  --workers N           also run each Warden configuration as \`warden start --workers N\` (peer
                        warden-<config>-Nw), not pinned: its workers use every CPU, the load
                        generator's included, so compare its req/s with the 1-process peer's`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      peers: { type: 'string' },
      configs: { type: 'string' },
      scenarios: { type: 'string' },
      'slow-streams': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'mock-cpu': { type: 'string' },
      'no-doc': { type: 'boolean', default: false },
      'keep-audit': { type: 'boolean', default: false },
      note: { type: 'string', default: '' },
      workers: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const quick = values.quick!;
  const scenarios = (list(values.scenarios) as ScenarioId[] | undefined) ?? (quick ? ['small-json', 'small-sse', 'cc50k-json'] : ALL_SCENARIOS);
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; have ${ALL_SCENARIOS.join(', ')}`);
  return {
    quick,
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    durationS: Number(values.duration ?? (quick ? 3 : 5)),
    warmupS: quick ? 1 : 2,
    connections: [50, 1],
    scenarios,
    // One connection measures added latency; for streams the first-byte probe does that.
    oneConnScenarios: scenarios.filter((s) => (quick ? s === 'small-json' : s.endsWith('-json'))),
    peers: list(values.peers),
    wardenConfigs: list(values.configs),
    sseProbeRounds: quick ? 100 : 300,
    slowStreams: Number(values['slow-streams'] ?? (quick ? 300 : 1000)),
    profile: values.profile!,
    writeDoc: !values['no-doc'],
    keepAudit: values['keep-audit']!,
    note: values.note!,
    loadCpu: 0,
    proxyCpu: 1,
    mockCpu: Number(values['mock-cpu'] ?? 1),
    workers: values.workers === undefined ? undefined : positive(values.workers, '--workers'),
  };
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a whole number ≥ 1, got ${v}`);
  return n;
}
