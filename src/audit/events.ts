/**
 * What the audit writer tells its owner about: events an operator must hear of even though
 * no request fails (evidence of tampering set aside, a file replaced under the writer).
 * The writer has no logger; app.ts logs them and counts them in metrics.
 */
export type AuditEventKind =
  /** On open, HEAD did not match the records and was renamed to HEAD.lost.* (error). */
  | 'head_set_aside'
  /** The current audit file was moved, replaced or changed by someone else; a new file was started (error). */
  | 'file_replaced'
  /** HEAD was deleted or replaced while running; a replacement was set aside (error). */
  | 'head_replaced'
  /** Another writer took the folder's LOCK over; this one stops writing (error). */
  | 'lock_lost'
  /** A log written without a key continues keyed in a new file (info). */
  | 'keyed_from_here';

export interface AuditEvent {
  kind: AuditEventKind;
  /** The file concerned, relative to the audit folder. */
  file: string;
  detail: string;
}

export function isAuditAlarm(e: AuditEvent): boolean {
  return e.kind !== 'keyed_from_here';
}
