/**
 * What a session needs from the rest of Warden, as small interfaces: the statement policy
 * (classifier + policy engine + approvals), result masking, and session recording. The
 * door (door.ts) builds them per session from the consumer, database and config.
 */
import type { FieldDescription } from './wire/frontend.js';

export interface StatementVerdict {
  outcome: 'allow' | 'deny' | 'ask';
  /** Id of the rule that decided. */
  rule: string;
  /** Why, for the client (never a secret). */
  reason: string;
  /** Statement classes, for the recording (`select`, `delete`, …). */
  kinds?: string[];
  /** Pending approval id of an `ask`, and where a human reviews it. */
  approval?: string;
  reviewUrl?: string;
}

export interface StatementPolicy {
  /** Judges SQL text (a whole simple Query, or one Parse). Synchronous when the decision is cached. */
  check(sql: string, via: 'query' | 'parse'): StatementVerdict | Promise<StatementVerdict>;
  /**
   * An `ask` at execution time, bound to the exact text and parameters: resolves the approval
   * (creating a pending one), and when it was approved consumes it so it runs once.
   */
  approve(sql: string, params: readonly (Buffer | null)[], asked: StatementVerdict): Promise<StatementVerdict>;
}

export interface RowMasker {
  /** A masked copy of a DataRow body, or undefined when nothing changed. */
  maskDataRow(body: Buffer): Buffer | undefined;
}

export interface ResultMasker {
  /** A row masker for these columns, or undefined when none needs masking. */
  forRowDescription(fields: FieldDescription[]): RowMasker | undefined;
  /** Error and notice texts, COPY output lines. */
  maskText(s: string): string;
}

export type SessionEventKind = 'open' | 'query' | 'parse' | 'bind' | 'execute' | 'decision' | 'result' | 'error' | 'approval' | 'close' | 'copy' | 'function';

export interface SessionRecorder {
  event(kind: SessionEventKind, facts: Record<string, unknown>): void;
}
