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

export type Expect =
  | { k: 'parse' }
  | { k: 'bind' }
  | { k: 'close' }
  | { k: 'describeS'; stmt: Statement }
  | { k: 'describeP'; portal: Portal; swallow: boolean }
  | { k: 'execute'; portal: Portal | undefined; rows: number; copy: CopyOutMasker | undefined }
  | { k: 'marker'; denial: Denial }
  | { k: 'sync' }
  | { k: 'query'; denial: Denial | undefined; rows: number; plan: RowPlan | undefined; copies: CopyOutMasker[] };

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

  /** Sends what is buffered for the client, then FATAL, and ends the session. */
  protected abstract fatalToClient(sqlstate: string, text: string): void;
}
