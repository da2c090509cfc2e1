/**
 * ErrorResponse and NoticeResponse texts pass the content detectors too: a failed cast
 * echoes the value (`invalid input syntax for type integer: "4111 1111 1111 1111"`) and
 * `RAISE NOTICE` prints whatever a function hands it.
 */
import { countReason, type MaskCounts } from './counts.js';
import type { CellScanner } from './detect.js';
import { buildNotice, parseNoticeFields } from './wire.js';

/** Severity, SQLSTATE, source file, line and routine: fixed vocabularies, never data. */
const FIXED_FIELDS = new Set(['S', 'V', 'C', 'F', 'L', 'R']);

/** The masked whole message ('E' or 'N'), or null when no field needed masking. */
export function maskNotice(type: 'E' | 'N', body: Buffer, scanner: CellScanner, counts: MaskCounts): Buffer | null {
  const fields = parseNoticeFields(body);
  let changed = false;
  for (const f of fields) {
    if (FIXED_FIELDS.has(f[0])) continue;
    const r = scanner.redact(f[1]);
    if (r.findings.length === 0) continue;
    f[1] = r.text;
    changed = true;
    countReason(counts, `${r.findings[0]!.detector}:${r.findings[0]!.rule}`);
  }
  if (!changed) return null;
  counts.messagesMasked++;
  return buildNotice(type, fields);
}
