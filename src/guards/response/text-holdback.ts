import type { Finding } from '../detectors/types.js';
import type { OpenHit, RedactorHit, TextRedactor } from './redactor.js';

/**
 * Characters one long match may hold back at most (a 4096-bit PGP private key block is
 * ~7,000). Past it the held text is redacted and the rest of the block dropped: fail closed.
 */
export const MAX_HELD_SECRET = 32 * 1024;

/**
 * Ordinary text is released in steps of this many characters past the window, not one
 * delta at a time: each release rescans the window, so one-character deltas would cost
 * a full scan each. Ordinary text is held at most `window + step - 1` characters.
 */
export function releaseStep(window: number): number {
  return Math.max(1, Math.ceil(window / 16));
}

interface Span {
  hit: RedactorHit;
  start: number;
  end: number;
}

/**
 * The streamed text of one content block, scanned before it is released. Two bounds:
 *  - ordinary text: the last `window` characters stay back (the detectors' longest bounded
 *    match), so a secret split across deltas is seen whole before any part of it leaves;
 *    text is released in steps (releaseStep), so at most `maxOrdinaryHold` is held;
 *  - long secrets (PEM blocks, JWTs, long base64 values): from where one may have started
 *    (the detectors' open matches) or where a redacted finding still grows at the end, text
 *    is held until it is complete, up to MAX_HELD_SECRET characters.
 * Text already released stays as scanning context (the keyword before a secret): `window`
 * characters of it, or back to the start of a match still open. A block's context seeds
 * the next block's (`carry`), so a secret split across text blocks is still found.
 */
export class TextHoldback {
  readonly window: number;
  /** Ordinary text is never held back more than this many characters. */
  readonly maxOrdinaryHold: number;
  /** Released text (unmasked, as context for detectors). */
  private context: string;
  private pending = '';
  /** While a long match is held, look again only once this much is pending (linear cost). */
  private nextLook = 0;
  /** A held match outgrew MAX_HELD_SECRET: the rest of the block is dropped. */
  private sealed = false;
  /** Block offsets of context[0], and of the first place an open match may start (closed ones stay closed). */
  private base = 0;
  private scanFrom = 0;

  constructor(
    private readonly redactor: TextRedactor,
    /** Called with each finding once, when the text around it is released. */
    private readonly onHit: (hit: RedactorHit) => void,
    /** The previous text block's context. */
    carry = '',
  ) {
    this.window = Math.max(1, redactor.maxMatchLength);
    this.maxOrdinaryHold = this.window + releaseStep(this.window) - 1;
    this.context = carry;
  }

  /** Adds streamed text; returns what may be released now (masked), possibly ''. */
  push(text: string): string {
    if (this.sealed) return '';
    this.pending += text;
    if (this.pending.length <= this.maxOrdinaryHold || this.pending.length < this.nextLook) return '';
    return this.release(false);
  }

  /** The block ended: everything left, scanned and masked; a cut-off long secret is masked to the end. */
  flush(): string {
    return this.pending.length > 0 && !this.sealed ? this.release(true) : '';
  }

  /** Context for the next text block (nothing after a block that was sealed). */
  get carry(): string {
    return this.sealed ? '' : this.context;
  }

  /** Characters held right now (for tests of the memory bound). */
  get held(): number {
    return this.context.length + this.pending.length;
  }

  private release(final: boolean): string {
    const offset = this.context.length;
    const text = this.context + this.pending;
    const hits = this.redactor.scan(text);
    // In pending coordinates; findings that lie wholly in released text are past help.
    const spans: Span[] = hits.filter((h) => h.finding.end > offset).map((h) => ({ hit: h, start: Math.max(0, h.finding.start - offset), end: h.finding.end - offset }));
    const from = Math.max(0, this.scanFrom - this.base);
    // A match only logged need not be held; its start stays in context so it is still seen whole.
    const first = this.redactor.firstOpen(text, from, () => true);
    const hold = first && !first.hit.redact ? this.redactor.firstOpen(text, first.start + 1, (o) => o.hit.redact) : first;
    let cut = this.pending.length;
    if (final) {
      const cutOff = this.redactor.firstOpen(text, from, (o) => o.hit.redact && o.truncatedIsSecret, true);
      if (cutOff) spans.push(this.toEnd(cutOff.hit, Math.max(0, cutOff.start - offset)));
    } else {
      cut = safeCut(this.pending, this.pending.length - this.window);
      if (hold) cut = Math.min(cut, Math.max(0, hold.start - offset));
      cut = backOff(spans, cut);
      const held = this.pending.length - cut;
      const culprit = held > MAX_HELD_SECRET ? this.culprit(spans, hold, offset, cut) : undefined;
      if (culprit) {
        const kept = spans.filter((sp) => sp.end <= cut);
        spans.length = 0;
        spans.push(...kept, this.toEnd(culprit, cut));
        cut = this.pending.length;
        this.sealed = true;
      }
      this.nextLook = held > this.window ? this.pending.length + this.window : 0;
    }
    if (cut <= 0) return '';

    const released = this.pending.slice(0, cut);
    const masked: Finding[] = [];
    for (const s of spans) {
      if (s.end > cut) continue;
      this.onHit(s.hit);
      if (s.hit.redact) masked.push({ ...s.hit.finding, start: s.start, end: s.end });
    }
    this.pending = this.pending.slice(cut);
    const all = this.context + released;
    this.scanFrom = this.base + (first ? first.start : Math.max(0, text.length - this.window));
    // Keep context back to the first match still open, so it is seen whole once it ends.
    const keep = Math.max(all.length - MAX_HELD_SECRET, Math.min(all.length - this.window, first && !this.sealed ? first.start : Infinity));
    if (keep > 0) {
      this.context = all.slice(keep);
      this.base += keep;
    } else {
      this.context = all;
    }
    if (this.sealed) this.pending = '';
    return masked.length ? this.redactor.mask(released, masked) : released;
  }

  /** The long match that holds text back at `cut`: an open match there, or a redacted finding still growing. */
  private culprit(spans: Span[], hold: OpenHit | undefined, offset: number, cut: number): RedactorHit | undefined {
    if (hold && Math.max(0, hold.start - offset) <= cut) return hold.hit;
    return spans.find((s) => s.hit.redact && s.start <= cut && s.end > cut)?.hit;
  }

  private toEnd(hit: RedactorHit, start: number): Span {
    return { hit: { ...hit, finding: { ...hit.finding, start, end: this.pending.length } }, start, end: this.pending.length };
  }
}

/** Moves the cut back to the start of any redacted finding it would split. */
function backOff(spans: Span[], cut: number): number {
  for (let moved = true; moved && cut > 0; ) {
    moved = false;
    for (const s of spans) {
      if (s.hit.redact && s.start < cut && s.end > cut) {
        cut = s.start;
        moved = true;
      }
    }
  }
  return cut;
}

/** Never between the two halves of a surrogate pair. */
function safeCut(text: string, cut: number): number {
  if (cut <= 0 || cut >= text.length) return Math.max(0, Math.min(cut, text.length));
  return isLowSurrogate(text.charCodeAt(cut)) ? cut - 1 : cut;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
