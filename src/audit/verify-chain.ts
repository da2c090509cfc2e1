/**
 * The verifier's state machine: fed one line at a time (so a GB log needs constant
 * memory), it decides for each anomaly what most plausibly happened. Detection is exact —
 * any change makes at least one problem — while the kind is a best reading of the damage:
 *  - a line whose own hash fails is held until the next good line shows whether the chain
 *    links around it ('inserted') or through its slot ('edited'/'malformed');
 *  - a seq gap is 'removed' until the missing seqs turn up later ('reordered');
 *  - a seq already passed is 'inserted'; a good record whose prev does not match blames
 *    the record before it (rewritten and rehashed).
 */
import { GENESIS, checkLine, type Hasher } from './format.js';

export type ProblemKind = 'edited' | 'removed' | 'inserted' | 'reordered' | 'torn' | 'truncated' | 'malformed';

export interface AuditProblem {
  file: string;
  line: number;
  seq?: number;
  kind: ProblemKind;
  detail: string;
}

interface Loc {
  file: string;
  line: number;
  seq: number;
}

interface Gap {
  idx: number;
  from: number;
  to: number;
  left: number;
}

/** Seqs of gaps remembered for reorder detection; past this a gap stays 'removed'. */
const MAX_TRACKED_MISSING = 100_000;

export class ChainChecker {
  records = 0;
  omitted = 0;
  /** Next seq the chain expects, and the hash its prev must carry. */
  expect = 1;
  tip = GENESIS;
  /** The slot before `expect` is held by a damaged line: its true hash is unknown. */
  tipUnknown = false;
  /** Hash of the record whose seq HEAD names, once seen. */
  headSeenHash: string | undefined;
  private readonly problems: Array<AuditProblem | null> = [];
  private count = 0;
  private tipLoc: Loc | null = null;
  private prevTip = GENESIS;
  private pending: { first: number; n: number } | null = null;
  private readonly missing = new Map<number, Gap>();
  private contender: { hash: string; idx: number } | null = null;
  /** Keyed mode: a keyed record was seen, so no unkeyed one may follow. */
  private keyedSeen = false;
  /** Keyed mode: unkeyed records past what the key vouches for, until a keyed record links to them. */
  private unsealed: { loc: Loc; n: number } | null = null;

  /**
   * `legacy` (keyed mode only): the unkeyed hasher, for the prefix a log may have from
   * before it was keyed. Such records stand only before the first keyed record, and only
   * if the key vouches for them: a keyed record after them (its prev, under the HMAC,
   * pins them) or a keyed HEAD at or past their seq (`sealedUpTo`). Anywhere else an
   * unkeyed record is one forged without the key.
   */
  constructor(
    private readonly hasher: Hasher,
    private readonly maxProblems: number,
    private readonly headSeq: number | undefined,
    private readonly legacy?: Hasher,
    private readonly sealedUpTo = 0,
  ) {}

  push(p: AuditProblem): number {
    const idx = this.count++;
    if (idx < this.maxProblems) this.problems[idx] = p;
    else this.omitted++;
    return idx;
  }

  list(): AuditProblem[] {
    return this.problems.filter((p): p is AuditProblem => p !== null);
  }

  line(file: string, line: number, buf: Buffer, start: number, end: number, terminated: boolean): void {
    if (!terminated) {
      this.push({ file, line, kind: 'torn', detail: 'the file ends inside a line: a write was cut short (crash) or bytes were cut off' });
      return;
    }
    let c = checkLine(buf, start, end, this.hasher, this.legacy);
    if (c.kind === 'ok' && c.plain && this.keyedSeen) {
      c = { kind: 'edited', seq: c.seq, hash: c.hash, detail: 'an unkeyed (plain SHA-256) record after keyed ones: written without the key, i.e. forged' };
    }
    if (c.kind !== 'ok') {
      if (c.kind === 'edited') this.records++;
      const idx = this.push({ file, line, seq: c.kind === 'edited' ? c.seq : undefined, kind: c.kind, detail: c.detail });
      if (this.pending) this.pending.n++;
      else this.pending = { first: idx, n: 1 };
      return;
    }
    this.records++;
    const loc: Loc = { file, line, seq: c.seq };
    if (this.legacy) this.trackKeying(loc, c.plain === true);
    if (this.pending) this.resolvePending(c.seq, c.prev);
    if (c.seq === this.expect) this.linked(loc, c.prev, c.hash);
    else if (c.seq > this.expect) this.gap(loc, c.hash);
    else this.behind(loc, c.prev, c.hash);
  }

  private trackKeying(loc: Loc, plain: boolean): void {
    if (!plain) {
      this.keyedSeen = true;
      this.unsealed = null;
    } else if (loc.seq > this.sealedUpTo) {
      if (this.unsealed) this.unsealed.n++;
      else this.unsealed = { loc, n: 1 };
    }
  }

  /** At the end of the log: damaged trailing lines either hold slots or were appended past HEAD. */
  finish(head: { seq: number; hash: string } | null): void {
    const u = this.unsealed;
    if (u) {
      this.unsealed = null;
      this.push({
        ...u.loc,
        kind: 'edited',
        detail: `${u.n} unkeyed (plain SHA-256) record(s) from here on that the key does not vouch for (no keyed record follows them and the keyed HEAD stops at seq ${this.sealedUpTo}): forged without the key, or written by a Warden that had no key`,
      });
    }
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (head && head.seq === this.expect - 1 && head.hash === this.tip && !this.tipUnknown) {
      this.relabel(p, 'not part of the chain: it follows the last record HEAD vouches for and its hash does not verify');
      return;
    }
    this.expect += p.n;
    this.tipUnknown = true;
  }

  private linked(loc: Loc, prev: string, hash: string): void {
    if (prev !== this.tip && !this.tipUnknown) {
      const c = this.contender;
      if (c && prev === c.hash && this.tipLoc) {
        // The chain continues from the other record with this seq: the one we took was the forgery.
        const t = this.tipLoc;
        this.setProblem(c.idx, { file: t.file, line: t.line, seq: t.seq, kind: 'inserted', detail: `forged record: the chain continues from the other record with seq ${t.seq}` });
      } else if (this.tipLoc) {
        const t = this.tipLoc;
        this.push({ file: t.file, line: t.line, seq: t.seq, kind: 'edited', detail: `its hash is not the prev of seq ${loc.seq} (${loc.file}:${loc.line}): this record was rewritten, or that link was` });
      } else {
        this.push({ ...loc, kind: 'edited', detail: `prev does not link to ${this.expect === 1 ? 'the genesis value' : `seq ${this.expect - 1}`}` });
      }
    }
    this.accept(loc, hash);
  }

  private gap(loc: Loc, hash: string): void {
    const from = this.expect;
    const to = loc.seq - 1;
    const idx = this.push({ ...loc, kind: 'removed', detail: missingText(to - from + 1, from, to) });
    if (this.missing.size + (to - from + 1) <= MAX_TRACKED_MISSING) {
      const g: Gap = { idx, from, to, left: to - from + 1 };
      for (let s = from; s <= to; s++) this.missing.set(s, g);
    }
    this.accept(loc, hash);
  }

  private behind(loc: Loc, prev: string, hash: string): void {
    const g = this.missing.get(loc.seq);
    if (g) {
      this.missing.delete(loc.seq);
      g.left--;
      if (g.left === 0) this.setProblem(g.idx, null);
      else this.editDetail(g.idx, missingText(g.left, g.from, g.to));
      this.push({ ...loc, kind: 'reordered', detail: `seq ${loc.seq} appears after seq ${this.expect - 1}` });
      return;
    }
    if (loc.seq === this.expect - 1 && prev === this.prevTip && hash !== this.tip) {
      const idx = this.push({ ...loc, kind: 'inserted', detail: `a second record with seq ${loc.seq} linking to seq ${loc.seq - 1}: one of the two is forged` });
      this.contender = { hash, idx };
      return;
    }
    const copy = hash === this.tip ? ' (a copy of it)' : '';
    this.push({ ...loc, kind: 'inserted', detail: `seq ${loc.seq} already appeared earlier in the log${copy}` });
  }

  private resolvePending(seq: number, prev: string): void {
    const p = this.pending!;
    this.pending = null;
    if (seq === this.expect && prev === this.tip && !this.tipUnknown) {
      this.relabel(p, 'not part of the chain: the records around it link to each other, and its own hash does not verify');
    } else if (seq > this.expect) {
      this.expect += Math.min(p.n, seq - this.expect);
      this.tipUnknown = true;
      this.tipLoc = null;
    }
  }

  private relabel(p: { first: number; n: number }, why: string): void {
    for (let i = p.first; i < p.first + p.n; i++) {
      const pr = i < this.maxProblems ? this.problems[i] : null;
      if (!pr) continue;
      if (pr.kind === 'edited') pr.kind = 'inserted';
      pr.detail = `${pr.detail}; ${why}`;
    }
  }

  private accept(loc: Loc, hash: string): void {
    this.prevTip = this.tipUnknown ? '' : this.tip;
    this.tip = hash;
    this.tipLoc = loc;
    this.expect = loc.seq + 1;
    this.tipUnknown = false;
    this.contender = null;
    if (loc.seq === this.headSeq) this.headSeenHash = hash;
  }

  private setProblem(idx: number, p: AuditProblem | null): void {
    if (idx < this.maxProblems) this.problems[idx] = p;
    else if (p === null) this.omitted--;
  }

  private editDetail(idx: number, detail: string): void {
    const p = idx < this.maxProblems ? this.problems[idx] : null;
    if (p) p.detail = detail;
  }
}

function missingText(n: number, from: number, to: number): string {
  return from === to ? `record seq ${from} is missing before this one` : `${n} record(s) of seq ${from}..${to} are missing before this one`;
}
