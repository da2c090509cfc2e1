/**
 * PostgreSQL type OIDs the masker treats specially (pg_type.h; stable across versions).
 */
/** Types whose text form is free text: a masked span or a placeholder keeps the value valid. */
export const TEXT_TYPES: ReadonlySet<number> = new Set([25, 1043, 1042, 19, 18, 705, 142]);
export const JSON_TYPES: ReadonlySet<number> = new Set([114, 3802]);
export const RECORD_TYPE = 2249;
export const INT8_TYPE = 20;
export const NUMERIC_TYPE = 1700;
const JSONB_TYPE = 3802;

/**
 * The text a binary-format cell stands for, when the type has one the detectors can read;
 * null for types whose binary form the masker does not read (those pass unchanged unless a
 * column rule covers them).
 */
export function binaryCellText(typeOid: number, cell: Buffer): string | null {
  if (TEXT_TYPES.has(typeOid) || typeOid === 114) return cell.toString('utf8');
  if (typeOid === JSONB_TYPE) return cell.length ? cell.toString('utf8', 1) : '';
  if (typeOid === INT8_TYPE) return cell.length === 8 ? cell.readBigInt64BE(0).toString() : null;
  if (typeOid === NUMERIC_TYPE) return numericText(cell);
  return null;
}

/** numeric's binary form: ndigits, weight, sign, dscale, then base-10000 digits. */
function numericText(cell: Buffer): string | null {
  if (cell.length < 8) return null;
  const ndigits = cell.readInt16BE(0);
  const weight = cell.readInt16BE(2);
  const sign = cell.readUInt16BE(4);
  if (ndigits < 0 || cell.length !== 8 + 2 * ndigits || sign === 0xc000) return sign === 0xc000 ? 'NaN' : null;
  let int = '';
  let frac = '';
  for (let i = 0; i < ndigits; i++) {
    const d = String(cell.readInt16BE(8 + 2 * i)).padStart(4, '0');
    if (i <= weight) int += d;
    else frac += d;
  }
  for (let i = ndigits; i <= weight; i++) int += '0000';
  int = int.replace(/^0+(?=\d)/, '') || '0';
  return `${sign === 0x4000 ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
