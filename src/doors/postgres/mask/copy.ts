/**
 * COPY … TO STDOUT sends rows as CopyData, not DataRows: no RowDescription, so no table
 * OIDs. Content detectors run on every field (text and csv formats, read with the
 * statement's own delimiter, quote and escape). Column rules cannot follow a COPY, so a
 * COPY that reads a table with masked columns is refused, as is binary COPY output while
 * masking is on. The server sends one row per CopyData message; a text-format message
 * with several lines is split on its newlines.
 */
import type { CopyFormat } from '../sql/statement.js';
import type { ResolvedColumns } from './columns.js';
import { countReason, type MaskCounts } from './counts.js';
import type { CellScanner } from './detect.js';

export type CopyOutPlan = { refuse: string } | { masker: CopyOutMasker };

/** Decides whether a COPY TO STDOUT can be masked; `tables` are the statement's (classifier). */
export function planCopyOut(copy: CopyFormat, tables: readonly string[], columns: ResolvedColumns, scanner: CellScanner, counts: MaskCounts): CopyOutPlan {
  for (const t of tables) {
    const bare = t.slice(t.lastIndexOf('.') + 1);
    if (columns.tables.has(t) || columns.tables.has(bare)) {
      return { refuse: `COPY out of ${t} is refused: it has masked columns (postgres.masking.columns) and COPY rows carry no column identity; use SELECT, which is masked per column` };
    }
  }
  if (copy.format === 'binary' && scanner.detectors.length) return { refuse: 'COPY … (FORMAT binary) output cannot be masked; use the text or csv format' };
  return { masker: new CopyOutMasker(copy, scanner, counts) };
}

export class CopyOutMasker {
  constructor(
    readonly copy: CopyFormat,
    readonly scanner: CellScanner,
    readonly counts: MaskCounts,
  ) {}

  /** The masked CopyData message for one CopyData body, or null to forward it unchanged. */
  maskData(body: Buffer): Buffer | null {
    if (this.copy.format === 'binary') return null;
    const text = body.toString('utf8');
    const out = this.copy.format === 'csv' ? this.csvRow(text) : this.textRows(text);
    if (out === null) return null;
    this.counts.messagesMasked++;
    const payload = Buffer.from(out, 'utf8');
    const head = Buffer.allocUnsafe(5);
    head[0] = 0x64;
    head.writeInt32BE(4 + payload.length, 1);
    return Buffer.concat([head, payload]);
  }

  private redact(value: string): string | null {
    const r = this.scanner.redact(value);
    if (r.findings.length === 0) return null;
    this.counts.cellsMasked++;
    countReason(this.counts, `${r.findings[0]!.detector}:${r.findings[0]!.rule}`);
    return r.text;
  }

  private textRows(text: string): string | null {
    let changed = false;
    const lines = text.split('\n').map((line) => {
      const masked = this.textLine(line);
      if (masked === null) return line;
      changed = true;
      return masked;
    });
    return changed ? lines.join('\n') : null;
  }

  /** One text-format line: fields split on the delimiter, backslash escapes decoded and re-encoded. */
  private textLine(line: string): string | null {
    const d = this.copy.delimiter;
    const raw = splitText(line, d);
    let changed = false;
    const out = raw.map((f) => {
      if (f === this.copy.null) return f;
      const m = this.redact(unescapeText(f));
      if (m === null) return f;
      changed = true;
      return escapeText(m, d);
    });
    return changed ? out.join(d) : null;
  }

  private csvRow(text: string): string | null {
    const { quote: q, escape: e, delimiter: d } = this.copy;
    const eol = text.endsWith('\r\n') ? '\r\n' : text.endsWith('\n') ? '\n' : '';
    const fields = splitCsv(text.slice(0, text.length - eol.length), d, q, e);
    if (!fields) {
      // Unbalanced quotes: mask the row as one text rather than let it through unread.
      const m = this.redact(text);
      return m;
    }
    let changed = false;
    const out = fields.map((f) => {
      const m = this.redact(f.value);
      if (m === null) return f.raw;
      changed = true;
      return q + m.split(q).join(e + q) + q;
    });
    return changed ? out.join(d) + eol : null;
  }
}

function splitText(line: string, d: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === d) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out;
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function unescapeText(f: string): string {
  if (!f.includes('\\')) return f;
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '\\' || i + 1 >= f.length) {
      out += c;
      continue;
    }
    const n = f[++i]!;
    if (TEXT_ESCAPES[n]) out += TEXT_ESCAPES[n];
    else if (n >= '0' && n <= '7') {
      const m = /^[0-7]{1,3}/.exec(f.slice(i))![0];
      out += String.fromCharCode(parseInt(m, 8));
      i += m.length - 1;
    } else if (n === 'x' && /^[0-9a-fA-F]/.test(f[i + 1] ?? '')) {
      const m = /^[0-9a-fA-F]{1,2}/.exec(f.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(m, 16));
      i += m.length;
    } else out += n;
  }
  return out;
}

export function escapeText(v: string, d: string): string {
  let out = '';
  for (const c of v) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === d) out += `\\${c}`;
    else out += c;
  }
  return out;
}

interface CsvField {
  raw: string;
  value: string;
}

/** Splits one CSV row; null when a quote is left open. */
export function splitCsv(row: string, d: string, q: string, e: string): CsvField[] | null {
  const out: CsvField[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = '';
    let inQuotes = false;
    while (i < row.length) {
      const c = row[i]!;
      if (inQuotes) {
        if (c === e && e !== q && row[i + 1] !== undefined && (row[i + 1] === q || row[i + 1] === e)) {
          value += row[i + 1];
          i += 2;
        } else if (c === q) {
          if (e === q && row[i + 1] === q) {
            value += q;
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
        } else {
          value += c;
          i++;
        }
        continue;
      }
      if (c === d) break;
      if (c === q) inQuotes = true;
      else value += c;
      i++;
    }
    if (inQuotes) return null;
    out.push({ raw: row.slice(start, i), value });
    if (i >= row.length) return out;
    i++;
  }
}
