/**
 * The server side of a relayed session: walks every server message to keep the
 * expected-response queue, masks rows, COPY output, errors and notices, and puts Warden's
 * own error in the place of the error its marker caused (denial.ts).
 */
import { message } from './wire/build.js';
import type { Frame } from './wire/framer.js';
import { MARKER_SQLSTATE } from './denial.js';
import { parseErrorFields } from './wire/error-fields.js';
import { RelayState, UNDESCRIBED, type Expect } from './relay-state.js';
import type { RowPlan } from './mask/index.js';

export abstract class ServerSide extends RelayState {
  private lastDescription: Buffer | undefined;
  private lastPlan: RowPlan | undefined;

  protected onUpstreamData(b: Buffer): void {
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

  protected handleServer(f: Frame): void {
    const type = String.fromCharCode(f.type);
    const head = this.expects[0];
    switch (type) {
      case 'D': {
        if (head && (head.k === 'query' || head.k === 'execute')) head.rows++;
        const m = this.o.masker;
        if (!m) return this.toClient.frame(f);
        // Rows whose columns Warden does not know are masked as undescribed (fail closed).
        const plan = (head?.k === 'query' ? head.plan : head?.k === 'execute' ? head.portal?.plan : undefined) ?? UNDESCRIBED;
        this.pushMasked(m.maskRow(plan, f.body), f);
        return;
      }
      case 'T': {
        const plan = this.o.masker && this.planFor(f.body);
        if (head?.k === 'describeS') {
          head.stmt.plan = plan;
          this.expects.shift();
        } else if (head?.k === 'describeP') {
          head.portal.plan = plan;
          head.portal.describing = false;
          this.expects.shift();
          if (head.swallow) return;
        } else if (head?.k === 'query') head.plan = plan;
        this.toClient.frame(f);
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
        this.toClient.frame(f);
        return;
      case 't':
        this.toClient.frame(f);
        return;
      case '1':
      case '2':
      case '3':
        if (head && (head.k === 'parse' || head.k === 'bind' || head.k === 'close')) this.expects.shift();
        this.toClient.frame(f);
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
        this.toClient.frame(f);
        return;
      case 'E':
        return this.onServerError(f, head);
      case 'N':
        this.pushMasked(this.o.masker?.notice('N', f.body) ?? null, f);
        return;
      case 'Z':
        // Everything the server skipped after an error ends here.
        const skipped: Expect[] = [];
        while (this.expects.length && this.expects[0]!.k !== 'sync' && this.expects[0]!.k !== 'query') skipped.push(this.expects.shift()!);
        this.unanswered(skipped);
        this.expects.shift();
        this.txStatus = String.fromCharCode(f.body[0] ?? 73);
        this.copyOut = undefined;
        this.toClient.frame(f);
        return;
      case 'H': {
        const copy = head?.k === 'query' ? head.copies.shift() : head?.k === 'execute' ? head.copy : undefined;
        if (this.o.masker && !copy) {
          // COPY rows Warden cannot mask (it did not see this COPY coming): never forwarded.
          this.fatalToClient('42501', 'Warden cannot mask this COPY output; use SELECT, or COPY (query) TO STDOUT in text or csv format');
          return;
        }
        this.copyOut = copy ?? 'plain';
        this.toClient.frame(f);
        return;
      }
      case 'd':
        if (this.copyOut && this.copyOut !== 'plain') {
          this.pushMasked(this.copyOut.maskData(f.body), f);
          return;
        }
        this.toClient.frame(f);
        return;
      default:
        // 'S' ParameterStatus, 'A' notification, 'G'/'c' copy, 'V', 'v': relayed as they are.
        this.toClient.frame(f);
    }
  }

  /** The masking plan of a RowDescription; a driver repeating its statement gets the same bytes, and the plan is reused. */
  private planFor(body: Buffer): RowPlan {
    if (this.lastDescription?.equals(body)) return this.lastPlan!;
    const plan = this.o.masker!.describe(body);
    this.lastDescription = Buffer.from(body);
    this.lastPlan = plan;
    return plan;
  }

  protected onServerError(f: Frame, head: Expect | undefined): void {
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
    this.o.recorder.event('error', { code: fields.get('C'), message: (masked ? parseErrorFields(masked.subarray(5)) : fields).get('M') ?? '' });
    this.pushMasked(masked, f);
    this.afterServerError(head);
  }

  /** The masked message, or the received one when masking changed nothing (null). */
  private pushMasked(masked: Buffer | null, f: Frame): void {
    if (masked) this.toClient.push(masked);
    else this.toClient.frame(f);
  }

  /** In an extended batch the server skips everything up to Sync after an error. */
  protected afterServerError(head: Expect | undefined): void {
    if (!head || head.k === 'query') return;
    // The failed message and everything up to Sync: refused or skipped, so their changes are undone.
    const skipped: Expect[] = [];
    while (this.expects.length && this.expects[0]!.k !== 'sync') skipped.push(this.expects.shift()!);
    this.unanswered(skipped);
    this.copyOut = undefined;
  }

  protected recordResult(rows: number, f: Frame, type: string): void {
    const c = this.o.masker?.counts;
    const tag = type === 'C' ? f.body.toString('utf8', 0, Math.max(0, f.body.length - 1)) : type === 'I' ? 'EMPTY' : 'SUSPENDED';
    const masked = c ? { cells: c.cellsMasked - this.lastCounts.cells, nulled: c.cellsNulled - this.lastCounts.nulled } : undefined;
    if (c) this.lastCounts = { cells: c.cellsMasked, nulled: c.cellsNulled };
    this.o.recorder.event('result', { rows, tag, ...(masked && (masked.cells || masked.nulled) ? { masked } : {}) });
  }
}
