/** What the run happened on, for the record next to the numbers. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  wrk: string;
  nginx: string;
  portkey: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

/** Both streams are read: nginx prints its version on stderr, wrk exits 1 after printing it. */
function version(cmd: string, args: string[], pattern: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return 'not installed';
  return pattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export function describeMachine(portkeyVersion: string): Machine {
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrk: version('wrk', ['-v'], /wrk (\S+)/),
    nginx: version('nginx', ['-v'], /nginx\/(\S+)/),
    portkey: portkeyVersion,
    loadAverageAtStart: loadAverage(),
  };
}
