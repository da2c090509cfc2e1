/**
 * A scan's findings as a table for people, JSON for programs, and SARIF 2.1.0 for GitHub
 * code scanning (rules under tool.driver.rules, results with ruleId, level and a location
 * whose artifactLocation.uri is relative to the scanned folder, with a region).
 */
import { VERSION } from '../version.js';
import { SCAN_RULES, severityRank, type ScanFinding, type Severity } from './rules.js';

export interface ScanReport {
  root: string;
  files: number;
  skipped: { binary: number; large: number };
  historyTruncated: boolean;
  findings: ScanFinding[];
}

export function sortFindings(f: ScanFinding[]): ScanFinding[] {
  return [...f].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule));
}

export function renderTable(r: ScanReport): string {
  const lines = r.findings.map((f) => `${f.severity.padEnd(8)} ${f.rule}  ${(f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '.').padEnd(32)} ${f.message}`);
  const counts = new Map<Severity, number>();
  for (const f of r.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const summary = r.findings.length ? [...counts].map(([s, n]) => `${n} ${s}`).join(', ') : 'no problems found';
  const notes = [
    r.skipped.binary || r.skipped.large ? `skipped ${r.skipped.binary} binary and ${r.skipped.large} large files` : '',
    r.historyTruncated ? 'git history read only in part (--history-commits, --history-mb)' : '',
  ].filter(Boolean);
  return `${lines.length ? `${lines.join('\n')}\n` : ''}scanned ${r.files} files: ${summary}${notes.length ? ` (${notes.join('; ')})` : ''}\n`;
}

export function renderJson(r: ScanReport): string {
  return `${JSON.stringify({ root: r.root, files: r.files, skipped: r.skipped, history_truncated: r.historyTruncated, findings: r.findings }, null, 2)}\n`;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub ranks code-scanning alerts by this property (0.0-10.0). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

export function renderSarif(r: ScanReport): string {
  const rules = SCAN_RULES.map((x) => ({
    id: x.id,
    name: x.name,
    shortDescription: { text: x.short },
    fullDescription: { text: `${x.short}. ${x.help}` },
    help: { text: x.help },
    defaultConfiguration: { level: LEVEL[x.severity] },
    properties: { tags: ['security'], 'security-severity': SECURITY_SEVERITY[x.severity] },
  }));
  const index = new Map<string, number>(SCAN_RULES.map((x, i) => [x.id, i]));
  const results = r.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule)!,
    level: LEVEL[f.severity],
    message: { text: f.message },
    // GitHub needs a file location for every alert; every check names one (a missing file by the path it should have).
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file ?? '.'), uriBaseId: '%SRCROOT%' }, region: { startLine: f.line ?? 1, ...(f.column && { startColumn: f.column }) } } }],
    properties: { severity: f.severity },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'warden-scan', version: VERSION, rules } }, results, columnKind: 'utf16CodeUnits' }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
