/**
 * One client session relayed to one upstream connection: its lifecycle and the client side.
 * Client messages are checked in order (a check that has to wait, e.g. on the approval
 * store, holds the messages behind it); refused ones are replaced by a marker (denial.ts).
 * The server side is server-side.ts, the shared protocol state relay-state.ts.
 */
import { errorResponse, message } from './wire/build.js';
import { Frame, FrameError } from './wire/framer.js';
import { parseBind, parseExecute, parseParse, parseQuery, parseTarget } from './wire/frontend.js';
import { MARKER_PARSE, MARKER_QUERY, deniedWith, denialFor, unknownStatement, type Denial } from './denial.js';
import type { StatementVerdict } from './ports.js';
import type { Portal, SessionOptions, Statement } from './relay-state.js';
import { ServerSide } from './server-side.js';

export type { SessionOptions } from './relay-state.js';

const T = (c: string) => c.charCodeAt(0);
const Q = T('Q'), P = T('P'), B = T('B'), D = T('D'), E = T('E'), C = T('C'), S = T('S'), H = T('H'), F = T('F'), X = T('X');
const COPY_DATA = T('d'), COPY_DONE = T('c'), COPY_FAIL = T('f');

export class Session extends ServerSide {
  constructor(o: SessionOptions) {
    super(o);
  }

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
    // The server reads Terminate only after the running statement: an expired credential's
    // query (a long scan, a write waiting on a lock) must not go on running, and commit, without it.
    if (!this.ended && this.expects.length) this.o.cancelUpstream();
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

  /** A client message as received, or one Warden built (a marker, a Describe). */
  private forward(m: Frame | Buffer): void {
    if (m instanceof Frame) this.toUpstream.frame(m);
    else this.toUpstream.push(m);
  }

  private flushUpstream(): void {
    const out = this.toUpstream.take();
    if (out && !this.ended && !this.o.upstream.write(out)) this.o.client.pause();
  }

  /** Handles one client message; returns a promise when the decision has to wait. */
  private handleClient(f: Frame): Promise<void> | undefined {
    const t = f.type;
    if (t === COPY_DATA || t === COPY_DONE || t === COPY_FAIL) return void this.forward(f);
    if (t === Q) return this.onQuery(f);
    if (t === S) {
      this.discarding = false;
      this.forward(f);
      this.expects.push({ k: 'sync' });
      return;
    }
    if (t === H) return void this.forward(f);
    if (t === X) {
      this.forward(f);
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
      this.forward(f);
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
      this.forward(f);
      this.expects.push({ k: 'execute', portal, rows: 0, copy: portal?.stmt?.verdict.copyOut?.[0] });
      return;
    }
    // Close
    const c = parseTarget(f.body, 'Close');
    const undo = c.kind === 'S' ? { name: c.name, prev: this.stmts.get(c.name) } : undefined;
    if (c.kind === 'S') this.stmts.delete(c.name);
    else this.portals.delete(c.name);
    this.forward(f);
    this.expects.push({ k: 'close', undo });
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
      if (verdict.outcome === 'ask') {
        return this.o.policy.approve(sql, [], verdict).then((v2) => {
          this.recordApproval(v2);
          this.finishQuery(f, v2);
        });
      }
      this.finishQuery(f, verdict);
      return undefined;
    };
    return v instanceof Promise ? v.then(apply) : apply(v);
  }

  private finishQuery(f: Frame, v: StatementVerdict): void {
    this.o.recorder.event('decision', { outcome: v.outcome, rule: v.rule, reason: v.reason, kinds: v.kinds, approval: v.approval });
    // A Query ends the previous unnamed portal and statement on the server; mirror that
    // (undone if the server skips it: inside a failed extended batch it ignores even a Query).
    const undo = { name: '', prev: this.stmts.get('') };
    this.stmts.delete('');
    this.portals.delete('');
    if (v.outcome === 'allow') {
      this.forward(f);
      this.expects.push({ k: 'query', denial: undefined, rows: 0, plan: undefined, copies: v.copyOut ? [...v.copyOut] : [], undo });
    } else {
      this.forward(MARKER_QUERY);
      this.expects.push({ k: 'query', denial: denialFor(v), rows: 0, plan: undefined, copies: [], undo });
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
        // The marker is an unnamed Parse: the server drops its unnamed statement (attack: Bind/Execute
        // running the previous one) and keeps a named one of this name as it was (attack: forgetting
        // that `foo` is a DELETE needing approval, so a Bind of `foo` would pass unasked).
        this.stmts.delete('');
        this.portals.delete('');
        this.refuseExtended(denialFor(verdict));
        return;
      }
      // Parsing a statement that needs approval runs nothing; the approval is asked at Bind, with its parameters.
      // A name in use is refused by the server (42P05), keeping the old text: undone then.
      const undo = { name: p.name, prev: this.stmts.get(p.name) };
      this.stmts.set(p.name, { sql: p.sql, verdict, plan: undefined });
      this.forward(f);
      this.expects.push({ k: 'parse', undo });
    };
    if (v instanceof Promise) return v.then(apply);
    apply(v);
    return undefined;
  }

  private onBind(f: Frame): Promise<void> | undefined {
    const b = parseBind(f.body);
    const stmt = this.stmts.get(b.statement);
    this.o.recorder.event('bind', { portal: b.portal, statement: b.statement, params: b.params.length });
    if (!stmt) {
      // Every statement Warden judged came through a Parse it saw. Another name (SQL-level
      // PREPARE shares the server's namespace) would run a statement never judged as what it
      // is, with no masking plan: refused here, as the server refuses a name it lacks.
      this.o.recorder.event('decision', { outcome: 'deny', rule: 'sql:unknown-statement', reason: `Bind of prepared statement "${b.statement}", which no Parse in this session created` });
      this.portals.delete(b.portal);
      this.stmts.delete('');
      this.refuseExtended(unknownStatement(b.statement));
      return;
    }
    const go = () => {
      // No plan from the statement's Describe: the server re-plans a prepared statement when
      // search_path or the tables change (same column names and types, another table's OID),
      // so rows are masked by a description of this portal (the client's, or Warden's at Execute).
      const portal = this.newPortal(stmt, b.resultFormats);
      this.portals.set(b.portal, portal);
      this.forward(f);
      this.expects.push({ k: 'bind' });
    };
    if (stmt.verdict.outcome !== 'ask') return void go();
    return this.o.policy.approve(stmt.sql, b.params, stmt.verdict, b.paramFormats).then((v) => {
      this.recordApproval(v);
      if (v.outcome === 'allow') go();
      else {
        this.portals.delete(b.portal);
        // The marker is an unnamed Parse: the server drops its unnamed statement.
        this.stmts.delete('');
        this.refuseExtended(denialFor(v));
      }
    });
  }

  /** An `ask` resolved at execution: approved and now executed, held (naming an approval that already ran), or refused. */
  private recordApproval(v: StatementVerdict): void {
    this.o.recorder.event('approval', { outcome: v.outcome, approval: v.approval, rule: v.rule, executed: v.executed?.at, already_executed: v.alreadyExecuted?.approval });
  }

  private refuseExtended(d: Denial): void {
    this.forward(MARKER_PARSE);
    this.expects.push({ k: 'marker', denial: d });
    this.discarding = true;
  }

  // ---- ending ----

  protected fatalToClient(sqlstate: string, text: string): void {
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
