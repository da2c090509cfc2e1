/**
 * Masks result sets: a plan per RowDescription (which columns a rule covers, which are
 * whole-row values of a masked table), then every DataRow through it — every row, with
 * no cap. Changed rows are rebuilt with correct lengths; untouched rows are forwarded as
 * they came (the caller gets null).
 */
import type { Finding } from '../../../guards/detectors/types.js';
import type { CopyFormat } from '../sql/statement.js';
import type { ResolvedColumns } from './columns.js';
import { planCopyOut, type CopyOutPlan } from './copy.js';
import { maskNotice } from './notice.js';
import { countReason, newCounts, type MaskCounts } from './counts.js';
import type { CellScanner } from './detect.js';
import { buildRecord, parseRecord } from './record.js';
import { binaryCellText, JSON_TYPES, RECORD_TYPE, TEXT_TYPES } from './types.js';
import { buildDataRow, parseDataRow, parseRowDescription, type Cell, type ColumnDescription } from './wire.js';

interface ColumnPlan {
  typeOid: number;
  format: number;
  /** A column rule covers the whole cell. */
  rule: string | null;
  /** Whole-row value of a table with masked columns: the positions to mask. */
  rowPositions: ReadonlyMap<number, string> | null;
  rowTable: string | null;
  /** Array of such rows: masked whole. */
  rowArray: boolean;
}

export interface RowPlan {
  readonly columns: readonly ColumnPlan[];
}

function reasonOf(f: Finding): string {
  return `${f.detector}:${f.rule}`;
}

export class ResultMasker {
  readonly counts: MaskCounts = newCounts();

  constructor(
    readonly columns: ResolvedColumns,
    readonly scanner: CellScanner,
  ) {}

  /** An ErrorResponse or NoticeResponse body: the masked whole message, or null to forward it unchanged. */
  notice(type: 'E' | 'N', body: Buffer): Buffer | null {
    return maskNotice(type, body, this.scanner, this.counts);
  }

  /** Whether (and how) a COPY … TO STDOUT of these tables can be masked. */
  copyOut(copy: CopyFormat, tables: readonly string[]): CopyOutPlan {
    return planCopyOut(copy, tables, this.columns, this.scanner, this.counts);
  }

  /** The plan for the rows that follow a RowDescription (its message body). */
  describe(body: Buffer): RowPlan {
    return this.plan(parseRowDescription(body));
  }

  plan(desc: readonly ColumnDescription[]): RowPlan {
    return {
      columns: desc.map((d) => {
        const row = this.columns.rowTypes.get(d.typeOid);
        return {
          typeOid: d.typeOid,
          format: d.format,
          rule: d.tableOid ? (this.columns.byColumn.get(`${d.tableOid}:${d.columnNumber}`) ?? null) : null,
          rowPositions: row?.positions ?? null,
          rowTable: row?.table ?? null,
          rowArray: this.columns.rowArrayTypes.has(d.typeOid),
        };
      }),
    };
  }

  /**
   * The plan with the result formats a Bind asked for (Describe of a statement reports text
   * for every column; the formats are only known at Bind): none → all text, one → all columns,
   * else one per column.
   */
  withFormats(plan: RowPlan, formats: readonly number[]): RowPlan {
    return { columns: plan.columns.map((c, i) => ({ ...c, format: formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0) })) };
  }

  /** A whole DataRow message when a cell changed, else null (forward the original bytes). */
  maskRow(plan: RowPlan, body: Buffer): Buffer | null {
    const cells = parseDataRow(body);
    this.counts.rows++;
    let changed: Cell[] | null = null;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell === null) continue;
      const col = plan.columns[i];
      // A row wider than its description is not what the server promised: mask the extra cells whole.
      const next = col ? (col.format === 1 ? this.binaryCell(col, cell) : this.textCell(col, cell)) : this.nulled('column:undescribed');
      if (next !== cell) (changed ??= cells.slice())[i] = next;
    }
    return changed ? buildDataRow(changed) : null;
  }

  private nulled(reason: string): null {
    this.counts.cellsNulled++;
    countReason(this.counts, reason);
    return null;
  }

  private masked(text: string, reason: string): Buffer {
    this.counts.cellsMasked++;
    countReason(this.counts, reason);
    return Buffer.from(text, 'utf8');
  }

  private binaryCell(col: ColumnPlan, cell: Buffer): Cell {
    // Threat: a binary value cannot be partly masked safely; a covered cell goes as NULL.
    if (col.rule) return this.nulled(`column:${col.rule}`);
    if (col.rowPositions || col.rowArray) return this.nulled(`column:${col.rowTable ?? 'row'}`);
    const text = binaryCellText(col.typeOid, cell);
    if (text === null) return cell;
    const found = this.scanner.findings(text);
    return found.length ? this.nulled(reasonOf(found[0]!)) : cell;
  }

  private textCell(col: ColumnPlan, cell: Buffer): Cell {
    const text = cell.toString('utf8');
    if (col.rule) return TEXT_TYPES.has(col.typeOid) ? this.masked(this.scanner.maskWhole(text, col.rule), `column:${col.rule}`) : this.nulled(`column:${col.rule}`);
    if (col.rowArray) return this.nulled(`column:${col.rowTable ?? 'row'}`);
    if (col.rowPositions || col.typeOid === RECORD_TYPE) return this.recordCell(col, text, cell);
    const { text: out, findings } = this.scanner.redact(text);
    if (findings.length === 0) return cell;
    const reason = reasonOf(findings[0]!);
    if (TEXT_TYPES.has(col.typeOid)) return this.masked(out, reason);
    if (JSON_TYPES.has(col.typeOid) && validJson(out)) return this.masked(out, reason);
    // A number or a date with a placeholder in it is no longer a value of its type.
    return this.nulled(reason);
  }

  private recordCell(col: ColumnPlan, text: string, cell: Buffer): Cell {
    const fields = parseRecord(text);
    if (!fields) return col.rowPositions ? this.nulled(`column:${col.rowTable}`) : this.contentOnly(text, cell);
    let reason: string | null = null;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f === null || f === undefined) continue;
      if (col.rowPositions?.has(i)) {
        const label = col.rowPositions.get(i)!;
        fields[i] = this.scanner.maskWhole(f, label);
        reason ??= `column:${label}`;
        continue;
      }
      const r = this.scanner.redact(f);
      if (r.findings.length) {
        fields[i] = r.text;
        reason ??= reasonOf(r.findings[0]!);
      }
    }
    return reason ? this.masked(buildRecord(fields), reason) : cell;
  }

  private contentOnly(text: string, cell: Buffer): Cell {
    const found = this.scanner.findings(text);
    return found.length ? this.nulled(reasonOf(found[0]!)) : cell;
  }
}

function validJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
