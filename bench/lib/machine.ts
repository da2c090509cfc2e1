/** What the run happened on, for the record next to the numbers. */
import { execFileSync } from 'node:child_process';
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

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[1] ?? 'unknown';
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return pattern.exec(`${err.stdout ?? ''}${err.stderr ?? ''}`)?.[1] ?? 'not installed';
  }
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
