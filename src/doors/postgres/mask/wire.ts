/**
 * Length-checked parse and rebuild of the server messages the masker rewrites:
 * RowDescription ('T'), DataRow ('D'), ErrorResponse ('E') and NoticeResponse ('N').
 * Functions take the message body (after the type byte and the length) and return whole
 * messages (type byte, length, body) when they build one.
 */
import { WardenError } from '../../../core/errors.js';

export interface ColumnDescription {
  name: string;
  /** OID of the table the column comes from; 0 for an expression. */
  tableOid: number;
  /** Attribute number in that table; 0 for an expression. */
  columnNumber: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  /** 0 text, 1 binary. */
  format: number;
}

/** Cell value: its bytes, or null for SQL NULL (length -1 on the wire). */
export type Cell = Buffer | null;

function malformed(what: string): WardenError {
  // Threat: a frame that does not add up must never be half-forwarded or half-masked.
  return new WardenError('WARDEN_E_UPSTREAM_BROKEN', `malformed ${what} from the PostgreSQL server`);
}

function cstring(body: Buffer, at: number, what: string): [string, number] {
  const end = body.indexOf(0, at);
  if (end < 0) throw malformed(what);
  return [body.toString('utf8', at, end), end + 1];
}

export function parseRowDescription(body: Buffer): ColumnDescription[] {
  if (body.length < 2) throw malformed('RowDescription');
  const n = body.readInt16BE(0);
  if (n < 0) throw malformed('RowDescription');
  const out: ColumnDescription[] = [];
  let at = 2;
  for (let i = 0; i < n; i++) {
    const [name, next] = cstring(body, at, 'RowDescription');
    if (next + 18 > body.length) throw malformed('RowDescription');
    out.push({
      name,
      tableOid: body.readUInt32BE(next),
      columnNumber: body.readInt16BE(next + 4),
      typeOid: body.readUInt32BE(next + 6),
      typeSize: body.readInt16BE(next + 10),
      typeModifier: body.readInt32BE(next + 12),
      format: body.readInt16BE(next + 16),
    });
    at = next + 18;
  }
  if (at !== body.length) throw malformed('RowDescription');
  return out;
}

export function buildRowDescription(columns: readonly ColumnDescription[]): Buffer {
  const names = columns.map((c) => Buffer.from(c.name, 'utf8'));
  const len = 4 + 2 + names.reduce((s, b) => s + b.length + 1 + 18, 0);
  const out = Buffer.allocUnsafe(1 + len);
  out[0] = 0x54;
  out.writeInt32BE(len, 1);
  out.writeInt16BE(columns.length, 5);
  let at = 7;
  columns.forEach((c, i) => {
    at += names[i]!.copy(out, at);
    out[at++] = 0;
    out.writeUInt32BE(c.tableOid, at);
    out.writeInt16BE(c.columnNumber, at + 4);
    out.writeUInt32BE(c.typeOid, at + 6);
    out.writeInt16BE(c.typeSize, at + 10);
    out.writeInt32BE(c.typeModifier, at + 12);
    out.writeInt16BE(c.format, at + 16);
    at += 18;
  });
  return out;
}

/** The cells of a DataRow body; cells are views into `body` (copy them to keep them). */
export function parseDataRow(body: Buffer): Cell[] {
  if (body.length < 2) throw malformed('DataRow');
  const n = body.readInt16BE(0);
  if (n < 0) throw malformed('DataRow');
  const cells: Cell[] = new Array(n);
  let at = 2;
  for (let i = 0; i < n; i++) {
    if (at + 4 > body.length) throw malformed('DataRow');
    const len = body.readInt32BE(at);
    at += 4;
    if (len === -1) {
      cells[i] = null;
      continue;
    }
    if (len < 0 || at + len > body.length) throw malformed('DataRow');
    cells[i] = body.subarray(at, at + len);
    at += len;
  }
  if (at !== body.length) throw malformed('DataRow');
  return cells;
}

export function buildDataRow(cells: readonly Cell[]): Buffer {
  let len = 4 + 2;
  for (const c of cells) len += 4 + (c ? c.length : 0);
  const out = Buffer.allocUnsafe(1 + len);
  out[0] = 0x44;
  out.writeInt32BE(len, 1);
  out.writeInt16BE(cells.length, 5);
  let at = 7;
  for (const c of cells) {
    if (c === null) {
      out.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    out.writeInt32BE(c.length, at);
    at += 4 + c.copy(out, at + 4);
  }
  return out;
}

/** ErrorResponse / NoticeResponse fields, in order: [field type character, text]. */
export type NoticeFields = [string, string][];

export function parseNoticeFields(body: Buffer): NoticeFields {
  const out: NoticeFields = [];
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const type = String.fromCharCode(body[at]!);
    const [text, next] = cstring(body, at + 1, 'ErrorResponse/NoticeResponse');
    out.push([type, text]);
    at = next;
  }
  if (at !== body.length - 1) throw malformed('ErrorResponse/NoticeResponse');
  return out;
}

/** A whole ErrorResponse ('E') or NoticeResponse ('N') message. */
export function buildNotice(type: 'E' | 'N', fields: NoticeFields): Buffer {
  const parts = fields.map(([t, text]) => Buffer.concat([Buffer.from([t.charCodeAt(0)]), Buffer.from(text.replace(/\0/g, ''), 'utf8'), Buffer.from([0])]));
  const body = Buffer.concat([...parts, Buffer.from([0])]);
  const head = Buffer.allocUnsafe(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
