/**
 * Who calls a function, and what it spends its time in, from a V8 .cpuprofile: the two
 * questions after "what is hot". Time is sampled wall time on the profiled thread, so a
 * syscall that wakes a process on the same CPU (the mock upstream, in the pinned setup)
 * is charged with that process's run time too.
 * Run: `npx tsx bench/lib/profile-calls.ts FILE.cpuprofile FUNCTION [callers|callees]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(dist\/src|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

export function callReport(file: string, fn: string, mode: 'callers' | 'callees', depth = 6, top = 12): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const paths = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const stack: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!);
    // stack[0] is the leaf. Take the outermost frame of `fn`, so recursion counts once.
    let at = -1;
    for (let j = stack.length - 1; j >= 0; j--) if (stack[j]!.callFrame.functionName === fn) { at = j; break; }
    if (at === -1) return;
    total += us;
    const path = mode === 'callers' ? stack.slice(at + 1, at + 1 + depth) : stack.slice(Math.max(0, at - depth), at).reverse();
    const key = path.map(label).join(mode === 'callers' ? '  <  ' : '  >  ') || '(self)';
    paths.set(key, (paths.get(key) ?? 0) + us);
  });
  const rows = [...paths.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`${fn}: ${(total / 1000).toFixed(0)} ms inclusive; ${mode}:`, ...rows.map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, fn, mode = 'callees', depth = '4'] = process.argv.slice(2);
  if (!file || !fn || (mode !== 'callers' && mode !== 'callees')) throw new Error('usage: profile-calls.ts FILE FUNCTION [callers|callees] [depth]');
  process.stdout.write(callReport(file, fn, mode, Number(depth)) + '\n');
}
