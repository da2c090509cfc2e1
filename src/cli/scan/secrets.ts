/**
 * Secrets in the files and in the git history, found by Warden's own detectors (the
 * gateway's secret rules behind its decoding layer): what the guards would redact on the
 * wire is what the scan reports at rest. Findings name the rule and the place, never the
 * secret.
 */
import { spawn } from 'node:child_process';
import { createSecretDetector } from '../../guards/detectors/secrets/index.js';
import { withDecoding } from '../../guards/detectors/decode/index.js';
import type { Detector } from '../../guards/detectors/types.js';
import type { ScanFinding } from './rules.js';

let detector: Detector | undefined;
export function secretDetector(): Detector {
  return (detector ??= withDecoding(createSecretDetector()));
}

/** Line (1-based) and column (1-based, in UTF-16 units) of each offset, in one pass. */
function positions(text: string, offsets: number[]): { line: number; column: number }[] {
  const sorted = offsets.map((o, i) => [o, i] as const).sort((a, b) => a[0] - b[0]);
  const out: { line: number; column: number }[] = new Array(offsets.length);
  let line = 1;
  let lineStart = 0;
  let pos = 0;
  for (const [o, i] of sorted) {
    for (; pos < o; pos++) if (text.charCodeAt(pos) === 10) { line++; lineStart = pos + 1; }
    out[i] = { line, column: o - lineStart + 1 };
  }
  return out;
}

export function secretsInText(text: string, file: string): ScanFinding[] {
  const found = secretDetector().detect(text);
  if (!found.length) return [];
  const at = positions(text, found.map((f) => f.start));
  const seen = new Set<string>();
  const out: ScanFinding[] = [];
  found.forEach((f, i) => {
    const k = `${f.rule}:${at[i]!.line}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ rule: 'WS001', severity: 'high', message: `secret (${f.rule}) in ${file}`, file, line: at[i]!.line, column: at[i]!.column });
  });
  return out;
}

export interface HistoryLimits {
  /** Newest commits read. */
  maxCommits: number;
  /** Bytes of `git log -p` read before stopping (the rest is reported as not scanned). */
  maxBytes: number;
}

/**
 * `git log -p` streamed: the lines each commit added, per file and hunk, go through the
 * detectors. Bounded in commits and bytes; returns whether the bound cut the history short.
 */
export async function secretsInHistory(dir: string, limits: HistoryLimits): Promise<{ findings: ScanFinding[]; truncated: boolean }> {
  const child = spawn('git', ['log', '-p', '-U0', '--no-color', '--no-ext-diff', '--no-renames', `--max-count=${limits.maxCommits}`, '--format=commit %H', '--', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', () => undefined);
  const findings: ScanFinding[] = [];
  const seen = new Set<string>();
  let commit = '';
  let file: string | undefined;
  let nextLine = 0;
  let block: string[] = [];
  let blockLines: number[] = [];
  const flush = () => {
    if (!block.length || !file) return;
    const text = block.join('\n');
    const found = secretDetector().detect(text);
    if (found.length) {
      const at = positions(text, found.map((f) => f.start));
      found.forEach((f, i) => {
        const line = blockLines[at[i]!.line - 1] ?? 0;
        const k = `${commit}:${file}:${f.rule}:${line}`;
        if (seen.has(k)) return;
        seen.add(k);
        findings.push({ rule: 'WS002', severity: 'high', message: `secret (${f.rule}) added to ${file} in commit ${commit.slice(0, 12)}`, file, line: line || undefined });
      });
    }
    block = [];
    blockLines = [];
  };
  let bytes = 0;
  let truncated = false;
  let rest = '';
  try {
    for await (const chunk of child.stdout) {
      bytes += (chunk as Buffer).length;
      const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('commit ') && /^commit [0-9a-f]{7,64}$/.test(l)) {
          flush();
          commit = l.slice(7);
          file = undefined;
        } else if (l.startsWith('+++ ')) {
          flush();
          file = l === '+++ /dev/null' ? undefined : l.slice(4).replace(/^b\//, '');
        } else if (l.startsWith('@@ ')) {
          flush();
          nextLine = Number(/\+(\d+)/.exec(l)?.[1] ?? 0);
        } else if (l.startsWith('+') && file) {
          block.push(l.slice(1));
          blockLines.push(nextLine++);
        }
      }
      if (bytes > limits.maxBytes) {
        truncated = true;
        break;
      }
    }
    flush();
  } finally {
    child.kill();
  }
  return { findings, truncated };
}
