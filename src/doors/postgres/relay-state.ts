/**
 * The state one relayed session keeps about its protocol: the responses it expects (in
 * order), its statements and portals with their masking plans, and what it has buffered
 * for each side. session.ts (the client side) and server-side.ts share it.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Framer } from './wire/framer.js';
import { OutBuffer } from './wire/out.js';
import type { Denial } from './denial.js';
import type { SessionRecorder, StatementPolicy, StatementVerdict } from './ports.js';
import type { CopyOutMasker, ResultMasker, RowPlan } from './mask/index.js';

/**
 * Statement records change as Warden forwards Parse, Close and Query; `undo` puts back what the
 * server kept when it refused or skipped the message (an error earlier in the batch, a name
 * already in use): a Bind must never find another text than the server will run.
 */
type Undo = { name: string; prev: Statement | undefined };

export type Expect =
  | { k: 'parse'; undo: Undo }
  | { k: 'bind' }
  | { k: 'close'; undo: Undo | undefined }
  | { k: 'describeS'; stmt: Statement }
  | { k: 'describeP'; portal: Portal; swallow: boolean }
  | { k: 'execute'; portal: Portal | undefined; rows: number; copy: CopyOutMasker | undefined }
  | { k: 'marker'; denial: Denial }
  | { k: 'sync' }
  | { k: 'query'; denial: Denial | undefined; rows: number; plan: RowPlan | undefined; copies: CopyOutMasker[]; undo?: Undo };

export interface Statement {
  sql: string;
  verdict: StatementVerdict;
  /** Plan from a Describe of the statement; never used for rows (a re-planned statement can return another table's columns). */
  plan: RowPlan | undefined;
}

export interface Portal {
  stmt: Statement | undefined;
  resultFormats: number[];
  /** Masking plan of its rows: known from the statement's Describe, or from a Describe of the portal. */
  plan: RowPlan | undefined;
  /** A Describe of this portal is on its way; its answer precedes any rows. */
  describing: boolean;
}

export interface SessionOptions {
  client: Duplex;
  clientFramer: Framer;
  upstream: Socket;
  upstreamFramer: Framer;
  policy: StatementPolicy;
  masker: ResultMasker | undefined;
  recorder: SessionRecorder;
  /** Sends a CancelRequest for the upstream backend (a client that vanished mid-query). */
  cancelUpstream: () => void;
  onEnd: (reason: string) => void;
  maxStatements?: number;
}

/** A plan with no columns: every cell of a row counts as undescribed and is masked whole. */
export const UNDESCRIBED: RowPlan = { columns: [] };

export abstract class RelayState {
  protected readonly expects: Expect[] = [];
  protected readonly stmts = new Map<string, Statement>();
  protected readonly portals = new Map<string, Portal>();
  protected discarding = false;
  protected busy = false;
  protected ended = false;
  /** COPY … TO STDOUT in progress: its masker when masking is on. */
  protected copyOut: CopyOutMasker | 'plain' | undefined;
  protected toUpstream = new OutBuffer();
  protected toClient = new OutBuffer();
  txStatus = 'I';
  protected lastCounts = { cells: 0, nulled: 0 };

  constructor(protected readonly o: SessionOptions) {}

  /** Expected answers the server will never send (it skipped or refused those messages), latest first undone. */
  protected unanswered(dropped: readonly Expect[]): void {
    for (let i = dropped.length - 1; i >= 0; i--) {
      const e = dropped[i]!;
      const undo = e.k === 'parse' || e.k === 'close' || e.k === 'query' ? e.undo : undefined;
      if (!undo) continue;
      if (undo.prev) this.stmts.set(undo.name, undo.prev);
      else this.stmts.delete(undo.name);
    }
  }

  /** Sends what is buffered for the client, then FATAL, and ends the session. */
  protected abstract fatalToClient(sqlstate: string, text: string): void;
}
