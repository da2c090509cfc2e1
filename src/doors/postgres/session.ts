/**
 * One client session relayed to one upstream connection. Client messages are checked in
 * order (a check that has to wait, e.g. on the approval store, holds the messages behind
 * it); server messages are walked to keep the expected-response queue, mask results and
 * put Warden's own errors in the place of its markers (denial.ts).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorResponse, message } from './wire/build.js';
import { FrameError, Framer, type Frame } from './wire/framer.js';
import { parseBind, parseExecute, parseParse, parseQuery, parseTarget } from './wire/frontend.js';
import { OutBuffer } from './wire/out.js';
import { MARKER_PARSE, MARKER_QUERY, MARKER_SQLSTATE, deniedWith, denialFor, type Denial } from './denial.js';
import { parseErrorFields } from './wire/error-fields.js';
import type { SessionRecorder, StatementPolicy, StatementVerdict } from './ports.js';
import type { CopyOutMasker, ResultMasker, RowPlan } from './mask/index.js';

type Expect =
  | { k: 'parse' }
  | { k: 'bind' }
  | { k: 'close' }
  | { k: 'describeS'; stmt: Statement }
  | { k: 'describeP'; portal: Portal; swallow: boolean }
  | { k: 'execute'; portal: Portal | undefined; rows: number; copy: CopyOutMasker | undefined }
  | { k: 'marker'; denial: Denial }
  | { k: 'sync' }
  | { k: 'query'; denial: Denial | undefined; rows: number; plan: RowPlan | undefined; copies: CopyOutMasker[] };

interface Statement {
  sql: string;
  verdict: StatementVerdict;
  /** Masking plan from a Describe of the statement (text formats; a Bind sets the real ones). */
  plan: RowPlan | undefined;
}

interface Portal {
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

const T = (c: string) => c.charCodeAt(0);
const Q = T('Q'), P = T('P'), B = T('B'), D = T('D'), E = T('E'), C = T('C'), S = T('S'), H = T('H'), F = T('F'), X = T('X');
const COPY_DATA = T('d'), COPY_DONE = T('c'), COPY_FAIL = T('f');

/** A plan with no columns: every cell of a row counts as undescribed and is masked whole. */
const UNDESCRIBED: RowPlan = { columns: [] };

export class Session {
  private readonly expects: Expect[] = [];
  private readonly stmts = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();
  private discarding = false;
  private busy = false;
  private ended = false;
  /** COPY … TO STDOUT in progress: its masker when masking is on. */
  private copyOut: CopyOutMasker | 'plain' | undefined;
  private toUpstream = new OutBuffer();
  private toClient = new OutBuffer();
  txStatus = 'I';
  private lastCounts = { cells: 0, nulled: 0 };

  constructor(private readonly o: SessionOptions) {}

  start(leftover: Buffer[]): void {
    const { client, upstream } = this.o;
    client.on('data', (b: Buffer) => this.onClientData(b));
    client.on('error', () => this.end('client connection error', true));
    client.on('close', () => this.end('client closed', true));
    upstream.on('data', (b: Buffer) => this.onUpstreamData(b));
    upstream.on('error', () => this.fatalToClient('08006', 'the connection to PostgreSQL failed'));
    upstream.on('close', () => this.fatalToClient('08006', 'PostgreSQL closed the connection'));
    client.on('drain', () => upstream.resume());
    upstream.on('drain', () => client.resume());
    for (const b of leftover) if (b.length) this.onClientData(b);
    if (this.o.clientFramer.pending) this.pump();
  }

  /** Ends the session with a FATAL error to the client (grant expiry, shutdown, idle). */
  terminate(sqlstate: string, text: string): void {
    this.fatalToClient(sqlstate, text);
  }

  get inFlight(): boolean {
    return this.expects.length > 0;
  }

  // ---- client → server ----

  private onClientData(b: Buffer): void {
    if (this.ended) return;
    this.o.clientFramer.push(b);
    if (!this.busy) this.pump();
  }

  private pump(): void {
    this.busy = true;
    try {
      for (;;) {
        if (this.ended) return;
        const f = this.o.clientFramer.next();
        if (!f) break;
        const wait = this.handleClient(f);
        if (wait) {
          this.flushUpstream();
          this.o.client.pause();
          wait.then(
            () => {
              this.o.client.resume();
              this.pump();
            },
            (e: unknown) => this.clientProtocolError(e),
          );
          return;
        }
      }
      this.flushUpstream();
      this.busy = false;
    } catch (e) {
      this.clientProtocolError(e);
    }
  }

  private clientProtocolError(e: unknown): void {
    const msg = e instanceof FrameError ? e.message : 'internal error in the Warden PostgreSQL door';
    this.o.recorder.event('error', { message: msg });
    this.fatalToClient('08P01', msg);
  }

  private forward(raw: Buffer): void {
    this.toUpstream.push(raw);
  }

  private flushUpstream(): void {
    const out = this.toUpstream.take();
    if (out && !this.ended && !this.o.upstream.write(out)) this.o.client.pause();
  }

  /** Handles one client message; returns a promise when the decision has to wait. */
  private handleClient(f: Frame): Promise<void> | undefined {
    const t = f.type;
    if (t === COPY_DATA || t === COPY_DONE || t === COPY_FAIL) return void this.forward(f.raw);
    if (t === Q) return this.onQuery(f);
    if (t === S) {
      this.discarding = false;
      this.forward(f.raw);
      this.expects.push({ k: 'sync' });
      return;
    }
    if (t === H) return void this.forward(f.raw);
    if (t === X) {
      this.forward(f.raw);
      this.flushUpstream();
      this.end('client terminated', false);
      return;
    }
    if (t === F) {
      this.o.recorder.event('function', { outcome: 'deny' });
      this.forward(MARKER_QUERY);
      this.expects.push({ k: 'query', denial: deniedWith('Warden denied a FunctionCall message: the fast-path function interface is never allowed; call the function in a SELECT'), rows: 0, plan: undefined, copies: [] });
      return;
    }
    if (t !== P && t !== B && t !== D && t !== E && t !== C) throw new FrameError(`unknown message type '${String.fromCharCode(t)}' from the client`);
    // After a refused statement the server skips everything up to Sync; so does Warden.
    if (this.discarding) return;
    if (t === P) return this.onParse(f);
    if (t === B) return this.onBind(f);
    if (t === D) {
      const d = parseTarget(f.body, 'Describe');
      this.forward(f.raw);
      if (d.kind === 'S') this.expects.push({ k: 'describeS', stmt: this.stmts.get(d.name) ?? { sql: '', verdict: { outcome: 'allow', rule: '', reason: '' }, plan: undefined } });
      else {
        const portal = this.portals.get(d.name) ?? this.newPortal(undefined, []);
        portal.describing = true;
        this.expects.push({ k: 'describeP', portal, swallow: false });
      }
      return;
    }
    if (t === E) {
      const ex = parseExecute(f.body);
      const portal = this.portals.get(ex.portal);
      this.o.recorder.event('execute', { portal: ex.portal, max_rows: ex.maxRows });
      if (this.o.masker && portal && !portal.plan && !portal.describing) {
        // Masking needs the columns; the client never asked, so Warden asks and swallows the answer.
        this.forward(message('D', Buffer.concat([Buffer.from('P'), Buffer.from(ex.portal + '\0')])));
        portal.describing = true;
        this.expects.push({ k: 'describeP', portal, swallow: true });
      }
      this.forward(f.raw);
      this.expects.push({ k: 'execute', portal, rows: 0, copy: portal?.stmt?.verdict.copyOut?.[0] });
      return;
    }
    // Close
    const c = parseTarget(f.body, 'Close');
    if (c.kind === 'S') this.stmts.delete(c.name);
    else this.portals.delete(c.name);
    this.forward(f.raw);
    this.expects.push({ k: 'close' });
    return;
  }

  private newPortal(stmt: Statement | undefined, resultFormats: number[]): Portal {
    return { stmt, resultFormats, plan: undefined, describing: false };
  }

  private onQuery(f: Frame): Promise<void> | undefined {
    const sql = parseQuery(f.body);
    this.o.recorder.event('query', { sql });
    // A Query also ends any extended batch the client left open.
    this.discarding = false;
    const v = this.o.policy.check(sql, 'query');
    const apply = (verdict: StatementVerdict): Promise<void> | undefined => {
      if (verdict.outcome === 'ask') return this.o.policy.approve(sql, [], verdict).then((v2) => void this.finishQuery(f, v2));
      this.finishQuery(f, verdict);
      return undefined;
    };
    return v instanceof Promise ? v.then(apply) : apply(v);
  }

  private finishQuery(f: Frame, v: StatementVerdict): void {
    this.o.recorder.event('decision', { outcome: v.outcome, rule: v.rule, reason: v.reason, kinds: v.kinds, approval: v.approval });
    // A Query ends the previous unnamed portal and statement on the server; mirror that.
    this.stmts.delete('');
    this.portals.delete('');
    if (v.outcome === 'allow') {
      this.forward(f.raw);
      this.expects.push({ k: 'query', denial: undefined, rows: 0, plan: undefined, copies: v.copyOut ? [...v.copyOut] : [] });
    } else {
      this.forward(MARKER_QUERY);
      this.expects.push({ k: 'query', denial: denialFor(v), rows: 0, plan: undefined, copies: [] });
    }
  }

  private onParse(f: Frame): Promise<void> | undefined {
    const p = parseParse(f.body);
    this.o.recorder.event('parse', { name: p.name, sql: p.sql });
    if (this.stmts.size >= (this.o.maxStatements ?? 10_000) && !this.stmts.has(p.name)) throw new FrameError(`more than ${this.o.maxStatements ?? 10_000} prepared statements on one session; close some`);
    const v = this.o.policy.check(p.sql, 'parse');
    const apply = (verdict: StatementVerdict) => {
      this.o.recorder.event('decision', { outcome: verdict.outcome, rule: verdict.rule, reason: verdict.reason, kinds: verdict.kinds, statement: p.name });
      if (verdict.outcome === 'deny') {
        // The server drops the unnamed statement on any Parse, failed or not (attack: Bind/Execute running the previous one).
        this.stmts.delete(p.name);
        this.portals.delete('');
        this.refuseExtended(denialFor(verdict));
        return;
      }
      // Parsing a statement that needs approval runs nothing; the approval is asked at Bind, with its parameters.
      this.stmts.set(p.name, { sql: p.sql, verdict, plan: undefined });
      this.forward(f.raw);
      this.expects.push({ k: 'parse' });
    };
    if (v instanceof Promise) return v.then(apply);
    apply(v);
    return undefined;
  }

  private onBind(f: Frame): Promise<void> | undefined {
    const b = parseBind(f.body);
    const stmt = this.stmts.get(b.statement);
    this.o.recorder.event('bind', { portal: b.portal, statement: b.statement, params: b.params.length });
    const go = () => {
      const portal = this.newPortal(stmt, b.resultFormats);
      if (stmt?.plan && this.o.masker) portal.plan = this.o.masker.withFormats(stmt.plan, b.resultFormats);
      this.portals.set(b.portal, portal);
      this.forward(f.raw);
      this.expects.push({ k: 'bind' });
    };
    if (stmt?.verdict.outcome !== 'ask') return void go();
    return this.o.policy.approve(stmt.sql, b.params, stmt.verdict).then((v) => {
      this.o.recorder.event('approval', { outcome: v.outcome, approval: v.approval, rule: v.rule });
      if (v.outcome === 'allow') go();
      else {
        this.portals.delete(b.portal);
        this.refuseExtended(denialFor(v));
      }
    });
  }

  private refuseExtended(d: Denial): void {
    this.forward(MARKER_PARSE);
    this.expects.push({ k: 'marker', denial: d });
    this.discarding = true;
  }

  // ---- server → client ----

  private onUpstreamData(b: Buffer): void {
    if (this.ended) return;
    const fr = this.o.upstreamFramer;
    fr.push(b);
    try {
      for (let f = fr.next(); f; f = fr.next()) this.handleServer(f);
    } catch (e) {
      this.fatalToClient('08P01', `PostgreSQL sent a malformed message: ${(e as Error).message}`);
      return;
    }
    const out = this.toClient.take();
    if (out && !this.o.client.write(out)) this.o.upstream.pause();
  }

  private handleServer(f: Frame): void {
    const type = String.fromCharCode(f.type);
    const head = this.expects[0];
    switch (type) {
      case 'D': {
        if (head && (head.k === 'query' || head.k === 'execute')) head.rows++;
        const m = this.o.masker;
        if (!m) return this.toClient.push(f.raw);
        // Rows whose columns Warden does not know are masked as undescribed (fail closed).
        const plan = (head?.k === 'query' ? head.plan : head?.k === 'execute' ? head.portal?.plan : undefined) ?? UNDESCRIBED;
        this.toClient.push(m.maskRow(plan, f.body) ?? f.raw);
        return;
      }
      case 'T': {
        const plan = this.o.masker?.describe(f.body);
        if (head?.k === 'describeS') {
          head.stmt.plan = plan;
          this.expects.shift();
        } else if (head?.k === 'describeP') {
          head.portal.plan = plan;
          head.portal.describing = false;
          this.expects.shift();
          if (head.swallow) return;
        } else if (head?.k === 'query') head.plan = plan;
        this.toClient.push(f.raw);
        return;
      }
      case 'n':
        if (head?.k === 'describeS' || head?.k === 'describeP') {
          this.expects.shift();
          if (head.k === 'describeP') {
            head.portal.describing = false;
            head.portal.plan = UNDESCRIBED;
            if (head.swallow) return;
          }
        }
        this.toClient.push(f.raw);
        return;
      case 't':
        this.toClient.push(f.raw);
        return;
      case '1':
      case '2':
      case '3':
        if (head && (head.k === 'parse' || head.k === 'bind' || head.k === 'close')) this.expects.shift();
        this.toClient.push(f.raw);
        return;
      case 'C':
      case 'I':
      case 's':
        if (head?.k === 'execute') {
          this.recordResult(head.rows, f, type);
          this.expects.shift();
        } else if (head?.k === 'query') {
          this.recordResult(head.rows, f, type);
          head.rows = 0;
          head.plan = undefined;
        }
        this.copyOut = undefined;
        this.toClient.push(f.raw);
        return;
      case 'E':
        return this.onServerError(f, head);
      case 'N':
        this.toClient.push(this.o.masker?.notice('N', f.body) ?? f.raw);
        return;
      case 'Z':
        // Everything the server skipped after an error ends here.
        while (this.expects.length && this.expects[0]!.k !== 'sync' && this.expects[0]!.k !== 'query') this.expects.shift();
        this.expects.shift();
        this.txStatus = String.fromCharCode(f.body[0] ?? 73);
        this.copyOut = undefined;
        this.toClient.push(f.raw);
        return;
      case 'H': {
        const copy = head?.k === 'query' ? head.copies.shift() : head?.k === 'execute' ? head.copy : undefined;
        if (this.o.masker && !copy) {
          // COPY rows Warden cannot mask (it did not see this COPY coming): never forwarded.
          this.fatalToClient('42501', 'Warden cannot mask this COPY output; use SELECT, or COPY (query) TO STDOUT in text or csv format');
          return;
        }
        this.copyOut = copy ?? 'plain';
        this.toClient.push(f.raw);
        return;
      }
      case 'd':
        if (this.copyOut && this.copyOut !== 'plain') {
          this.toClient.push(this.copyOut.maskData(f.body) ?? f.raw);
          return;
        }
        this.toClient.push(f.raw);
        return;
      default:
        // 'S' ParameterStatus, 'A' notification, 'G'/'c' copy, 'V', 'v': relayed as they are.
        this.toClient.push(f.raw);
    }
  }

  private onServerError(f: Frame, head: Expect | undefined): void {
    const fields = parseErrorFields(f.body);
    if (head && (head.k === 'marker' || (head.k === 'query' && head.denial))) {
      const denial = head.k === 'marker' ? head.denial : head.denial!;
      if (fields.get('C') === MARKER_SQLSTATE && fields.get('P') === '1') {
        this.toClient.push(denial.error);
        if (head.k === 'query') head.denial = undefined;
        this.afterServerError(head);
        return;
      }
    }
    const masked = this.o.masker?.notice('E', f.body) ?? null;
    const out = masked ?? f.raw;
    this.o.recorder.event('error', { code: fields.get('C'), message: (masked ? parseErrorFields(masked.subarray(5)) : fields).get('M') ?? '' });
    this.toClient.push(out);
    this.afterServerError(head);
  }

  /** In an extended batch the server skips everything up to Sync after an error. */
  private afterServerError(head: Expect | undefined): void {
    if (!head || head.k === 'query') return;
    while (this.expects.length && this.expects[0]!.k !== 'sync') this.expects.shift();
    this.copyOut = undefined;
  }

  private recordResult(rows: number, f: Frame, type: string): void {
    const c = this.o.masker?.counts;
    const tag = type === 'C' ? f.body.toString('utf8', 0, Math.max(0, f.body.length - 1)) : type === 'I' ? 'EMPTY' : 'SUSPENDED';
    const masked = c ? { cells: c.cellsMasked - this.lastCounts.cells, nulled: c.cellsNulled - this.lastCounts.nulled } : undefined;
    if (c) this.lastCounts = { cells: c.cellsMasked, nulled: c.cellsNulled };
    this.o.recorder.event('result', { rows, tag, ...(masked && (masked.cells || masked.nulled) ? { masked } : {}) });
  }

  // ---- ending ----

  private fatalToClient(sqlstate: string, text: string): void {
    if (this.ended) return;
    const out = this.toClient.take();
    if (this.o.client.writable) this.o.client.write(Buffer.concat([out ?? Buffer.alloc(0), errorResponse({ severity: 'FATAL', code: sqlstate, message: text })]));
    this.end(text, false);
  }

  private end(reason: string, clientGone: boolean): void {
    if (this.ended) return;
    this.ended = true;
    // A client that vanished mid-query must not leave the query running upstream.
    if (clientGone && this.expects.length) this.o.cancelUpstream();
    const { client, upstream } = this.o;
    upstream.on('error', () => {});
    client.on('error', () => {});
    if (!clientGone && upstream.writable) upstream.end(message('X'));
    else upstream.destroy();
    client.end();
    setTimeout(() => {
      client.destroy();
      upstream.destroy();
    }, 1000).unref();
    this.o.recorder.event('close', { reason });
    this.o.onEnd(reason);
  }
}
