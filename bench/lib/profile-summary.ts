/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went: self time per
 * function and per file, and total (inclusive) time of Warden's own functions.
 * Run alone: `npx tsx bench/lib/profile-summary.ts FILE.cpuprofile [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idlePercent: number;
  selfByFunction: Row[];
  selfByFile: Row[];
  /** Self time by area: Warden's code, undici, Node's own JS, native calls, GC, other packages. */
  selfByArea: Row[];
  /** Inclusive time of functions in Warden's own source (dist/src): what its stages cost. */
  wardenInclusive: Row[];
}

function areaOf(url: string, fn: string): string {
  if (url.includes('/dist/src/')) return 'Warden (dist/src)';
  if (url.includes('/node_modules/undici/')) return 'undici (upstream client)';
  if (url.includes('/node_modules/')) return 'other packages';
  if (url.startsWith('node:')) return 'Node.js JS (http, net, streams, crypto…)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (url.startsWith('wasm://')) return 'wasm (llhttp in undici)';
  return 'native and VM (syscalls such as writev, (program))';
}

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/(dist\/src\/|node_modules\/)/, '$1').replace(/^node:/, 'node:');

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + d);
    totalUs += d;
  });
  const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfFn = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const area = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') idleUs += us;
    selfFn.set(fnKey(n), (selfFn.get(fnKey(n)) ?? 0) + us);
    const f = n.callFrame.url ? shortUrl(n.callFrame.url) : n.callFrame.functionName;
    selfFile.set(f, (selfFile.get(f) ?? 0) + us);
    if (n.callFrame.functionName !== '(idle)') {
      const a = areaOf(n.callFrame.url, n.callFrame.functionName);
      area.set(a, (area.get(a) ?? 0) + us);
    }
    // Inclusive: every distinct Warden function on this sample's stack gets the time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)!;
      if (!node.callFrame.url.includes('/dist/src/')) continue;
      const k = fnKey(node);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs || 1;
  const rows = (m: Map<string, number>, split: boolean): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => {
        const [name, where] = split ? k.split('\u0000') : [k, ''];
        return { name: name!, where: where ?? '', ms: us / 1000, percent: (us / busyUs) * 100 };
      });
  return {
    totalMs: totalUs / 1000,
    idlePercent: (idleUs / (totalUs || 1)) * 100,
    selfByFunction: rows(selfFn, true).filter((r) => r.name !== '(idle)'),
    selfByFile: rows(selfFile, false).filter((r) => r.name !== '(idle)'),
    selfByArea: rows(area, false),
    wardenInclusive: rows(inclusive, true),
  };
}

export function renderProfile(s: ProfileSummary): string {
  const table = (title: string, rows: Row[]) =>
    [`${title}`, ...rows.map((r) => `  ${r.percent.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}${r.where ? `  ${r.where}` : ''}`)].join('\n');
  return [
    `profile: ${s.totalMs.toFixed(0)} ms sampled, ${s.idlePercent.toFixed(1)}% idle; percentages are of busy time`,
    table('self time by area:', s.selfByArea),
    table('self time by function:', s.selfByFunction),
    table('self time by file:', s.selfByFile),
    table('inclusive time of Warden functions (dist/src):', s.wardenInclusive),
  ].join('\n\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
  process.stdout.write(renderProfile(summarizeProfile(file, Number(process.argv[3] ?? 25))) + '\n');
}
