/**
 * CPU time and resident memory of a process and its descendants, read from /proc (Linux).
 * A proxy may be several processes (nginx: master + worker), so a sample covers the tree.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build this runs on
const PAGE_KB = 4;

function readStat(pid: number): { ppid: number; ticks: number; rssKb: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may hold spaces; fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssKb: Number(f[21]) * PAGE_KB };
  } catch {
    return undefined;
  }
}

export function processTree(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (!st) continue;
    const list = byParent.get(st.ppid) ?? [];
    list.push(pid);
    byParent.set(st.ppid, list);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!) ?? []));
  return out;
}

export interface TreeSample {
  cpuSeconds: number;
  rssKb: number;
}

export function sampleTree(pids: number[]): TreeSample {
  let ticks = 0;
  let rssKb = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st) continue;
    ticks += st.ticks;
    rssKb += st.rssKb;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssKb };
}

export interface Usage {
  /** Percent of one core used on average over the measurement. */
  cpuPercent: number;
  rssMaxMb: number;
}

/** Samples a process tree while a measurement runs: CPU over the whole span, RSS at its peak. */
export class UsageMeter {
  private pids: number[];
  private start: TreeSample;
  private startedAt = performance.now();
  private rssMaxKb = 0;
  private timer: NodeJS.Timeout;

  constructor(rootPid: number, everyMs = 200) {
    this.pids = processTree(rootPid);
    this.start = sampleTree(this.pids);
    this.rssMaxKb = this.start.rssKb;
    this.timer = setInterval(() => {
      this.rssMaxKb = Math.max(this.rssMaxKb, sampleTree(this.pids).rssKb);
    }, everyMs);
  }

  stop(): Usage {
    clearInterval(this.timer);
    const end = sampleTree(this.pids);
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.rssMaxKb = Math.max(this.rssMaxKb, end.rssKb);
    return { cpuPercent: ((end.cpuSeconds - this.start.cpuSeconds) / seconds) * 100, rssMaxMb: this.rssMaxKb / 1024 };
  }
}
