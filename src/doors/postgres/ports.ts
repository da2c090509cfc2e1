/**
 * What a session needs from the rest of Warden, as small interfaces: the statement policy
 * (classifier + policy engine + approvals), result masking, and session recording. The
 * door (door.ts) builds them per session from the consumer, database and config.
 */
import type { CopyOutMasker } from './mask/index.js';

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
  /** Set when this execution used up the approval: it is now executed (at, by this session). */
  executed?: { approval: string; at: number };
  /** Set when the identical statement's approval was already executed: it is named in the error. */
  alreadyExecuted?: { approval: string; at: number; by: string | null };
  /** One masker per COPY … TO STDOUT of the text, in order (masking on). */
  copyOut?: CopyOutMasker[];
}

export interface StatementPolicy {
  /** Judges SQL text (a whole simple Query, or one Parse). Synchronous when the decision is cached. */
  check(sql: string, via: 'query' | 'parse'): StatementVerdict | Promise<StatementVerdict>;
  /**
   * An `ask` at execution time, bound to the exact text and parameters: resolves the approval
   * (creating a pending one), and when it was approved marks it executed so it runs once.
   * `formats` are the Bind's parameter format codes (none: all text; one: all; else each).
   */
  approve(sql: string, params: readonly (Buffer | null)[], asked: StatementVerdict, formats?: readonly number[]): Promise<StatementVerdict>;
}

export type SessionEventKind = 'open' | 'query' | 'parse' | 'bind' | 'execute' | 'decision' | 'result' | 'error' | 'approval' | 'close' | 'copy' | 'function';

export interface SessionRecorder {
  event(kind: SessionEventKind, facts: Record<string, unknown>): void;
}
