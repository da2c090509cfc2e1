/** What the masker did, for the session recording (never the values themselves). */
export interface MaskCounts {
  rows: number;
  /** Cells whose text was rewritten (a span or the whole value masked). */
  cellsMasked: number;
  /** Cells replaced by NULL (binary format, or a type a placeholder would make invalid). */
  cellsNulled: number;
  /** Messages (errors, notices, COPY lines) whose text was masked. */
  messagesMasked: number;
  /** Why: `column:public.cards.number`, `pii:card`, `secrets:<rule>` → cells. */
  byReason: Record<string, number>;
}

export function newCounts(): MaskCounts {
  return { rows: 0, cellsMasked: 0, cellsNulled: 0, messagesMasked: 0, byReason: {} };
}

export function countReason(c: MaskCounts, reason: string): void {
  c.byReason[reason] = (c.byReason[reason] ?? 0) + 1;
}
