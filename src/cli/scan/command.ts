/**
 * `warden scan [dir]`: seed 003's security audit script as a tool. It reads the files git
 * would commit (or, outside a work tree, those .gitignore leaves), skipping binaries and
 * huge files, one at a time (no workers, nothing held but the file being read), then the
 * git history, then the project's configuration. Exit 1 when a finding is at or above
 * `--fail-on` (default high), 0 otherwise.
 */
import { closeSync, openSync, readSync, fstatSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WardenError } from '../../core/errors.js';
import { isGitWorkTree, listFiles } from './files.js';
import { probeMcp, mcpUrls } from './probe-mcp.js';
import { claudeSettings, dockerfiles, envFiles, mcpJson, packageJsons, requirementsTxt } from './project-checks.js';
import { renderJson, renderSarif, renderTable, sortFindings, type ScanReport } from './report.js';
import { SEVERITIES, severityRank, type ScanFinding, type Severity } from './rules.js';
import { secretsInHistory, secretsInText } from './secrets.js';

export interface ScanOptions {
  json?: boolean;
  sarif?: boolean;
  failOn?: string;
  probeMcp?: boolean;
  history?: boolean;
  historyCommits?: string;
  historyMb?: string;
  maxFileKb?: string;
  maxFiles?: string;
}

function positiveInt(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new WardenError('WARDEN_E_USAGE', `${flag} must be a positive whole number (got ${JSON.stringify(v)})`);
  return n;
}

/** Reads a text file, or says why not: binary (a NUL in its first 8 KB) or larger than the limit. */
function readSmallText(abs: string, maxBytes: number): string | 'binary' | 'large' | undefined {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return 'large';
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const head = buf.subarray(0, Math.min(got, 8192));
    if (head.includes(0)) return 'binary';
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Files the project checks read whatever their size class. */
const CONFIG_FILE = /(?:^|\/)(?:package\.json|requirements[^/]*\.txt|\.mcp\.json|(?:Dockerfile|Containerfile)[^/]*|[^/]*\.(?:dockerfile|containerfile)|\.claude\/settings(?:\.local)?\.json)$/i;

export async function scanCommand(dirArg: string | undefined, o: ScanOptions, out: (s: string) => void): Promise<number> {
  const root = resolve(dirArg ?? '.');
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new WardenError('WARDEN_E_USAGE', `${dirArg ?? '.'}: no such folder to scan`);
  }
  const failOn = (o.failOn ?? 'high') as Severity | 'never';
  if (failOn !== 'never' && !SEVERITIES.includes(failOn)) throw new WardenError('WARDEN_E_USAGE', `--fail-on must be one of ${SEVERITIES.join(', ')}, never (got ${JSON.stringify(o.failOn)})`);
  if (o.json && o.sarif) throw new WardenError('WARDEN_E_USAGE', '--json and --sarif: choose one');
  const maxBytes = positiveInt(o.maxFileKb, '--max-file-kb', 1024) * 1024;
  const maxFiles = positiveInt(o.maxFiles, '--max-files', 1_000_000);

  const inGit = isGitWorkTree(root);
  const files: string[] = [];
  const configTexts = new Map<string, string>();
  const findings: ScanFinding[] = [];
  const skipped = { binary: 0, large: 0 };
  for await (const rel of listFiles(root, inGit, maxFiles)) {
    const text = readSmallText(join(root, rel), maxBytes);
    // Tracked but deleted in the work tree: git lists it, the folder no longer has it.
    if (text === undefined) continue;
    files.push(rel);
    if (text === 'binary' || text === 'large') {
      skipped[text]++;
      continue;
    }
    if (CONFIG_FILE.test(rel)) configTexts.set(rel, text);
    // .mcp.json has its own check (WS006) with the same detectors.
    if (!rel.endsWith('.mcp.json')) findings.push(...secretsInText(text, rel));
  }
  let historyTruncated = false;
  if (inGit && o.history !== false) {
    const h = await secretsInHistory(root, { maxCommits: positiveInt(o.historyCommits, '--history-commits', 1000), maxBytes: positiveInt(o.historyMb, '--history-mb', 256) * 1024 * 1024 });
    findings.push(...h.findings);
    historyTruncated = h.truncated;
  }
  const read = (rel: string) => configTexts.get(rel);
  findings.push(...envFiles(files), ...claudeSettings(files, read), ...mcpJson(files, read), ...packageJsons(files, read), ...requirementsTxt(files, read), ...dockerfiles(files, read));
  if (o.probeMcp) findings.push(...(await probeMcp(mcpUrls(files, read), 5000)));

  const report: ScanReport = { root, files: files.length, skipped, historyTruncated, findings: sortFindings(findings) };
  out(o.sarif ? renderSarif(report) : o.json ? renderJson(report) : renderTable(report));
  if (failOn === 'never') return 0;
  return findings.some((f) => severityRank(f.severity) >= severityRank(failOn)) ? 1 : 0;
}
