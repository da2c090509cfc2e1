import type { Finding } from '../detectors/types.js';
import type { RedactorHit, TextRedactor } from './redactor.js';

/**
 * The streamed text of one content block, scanned before it is released. The last
 * `window` characters stay back, so a secret split across deltas is seen whole before any
 * part of it leaves; a finding that reaches into the held tail keeps its start back too.
 * Text already released stays as scanning context (the keyword before a secret), never
 * more than `window` characters of it.
 */
export class TextHoldback {
  private readonly window: number;
  /** Released text (unmasked, as context for detectors); at most `window` characters. */
  private context = '';
  private pending = '';

  constructor(
    private readonly redactor: TextRedactor,
    holdBackChars: number,
    /** Called with each finding once, when the text around it is released. */
    private readonly onHit: (hit: RedactorHit) => void,
  ) {
    this.window = Math.max(1, Math.min(holdBackChars, redactor.maxMatchLength || holdBackChars));
  }

  /** Adds streamed text; returns what may be released now (masked), possibly ''. */
  push(text: string): string {
    this.pending += text;
    return this.pending.length > this.window ? this.release(false) : '';
  }

  /** The block ended: everything left, scanned and masked. */
  flush(): string {
    return this.pending.length > 0 ? this.release(true) : '';
  }

  /** Characters held right now (for tests of the memory bound). */
  get held(): number {
    return this.context.length + this.pending.length;
  }

  private release(final: boolean): string {
    const offset = this.context.length;
    const hits = this.redactor.scan(this.context + this.pending);
    // In pending coordinates; findings that lie wholly in released text are past help.
    const spans = hits.filter((h) => h.finding.end > offset).map((h) => ({ hit: h, start: Math.max(0, h.finding.start - offset), end: h.finding.end - offset }));
    const target = final ? this.pending.length : this.pending.length - this.window;
    let cut = final ? target : this.backOff(spans, safeCut(this.pending, target));
    // A finding that keeps growing (an unbounded pattern) must not hold text without bound.
    if (!final && this.pending.length - cut > 2 * this.window) cut = this.extend(spans, safeCut(this.pending, target));
    if (cut <= 0) return '';

    const released = this.pending.slice(0, cut);
    const masked: Finding[] = [];
    for (const s of spans) {
      if (s.end > cut) continue;
      this.onHit(s.hit);
      if (s.hit.redact) masked.push({ ...s.hit.finding, start: s.start, end: s.end });
    }
    this.pending = this.pending.slice(cut);
    this.context = (this.context + released).slice(-this.window);
    return masked.length ? this.redactor.mask(released, masked) : released;
  }

  /** Moves the cut back to the start of any redacted finding it would split. */
  private backOff(spans: { hit: RedactorHit; start: number; end: number }[], cut: number): number {
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

  /** Moves the cut forward past the end of any redacted finding it would split. */
  private extend(spans: { hit: RedactorHit; start: number; end: number }[], cut: number): number {
    for (let moved = true; moved; ) {
      moved = false;
      for (const s of spans) {
        if (s.hit.redact && s.start < cut && s.end > cut) {
          cut = s.end;
          moved = true;
        }
      }
    }
    return cut < this.pending.length && isLowSurrogate(this.pending.charCodeAt(cut)) ? cut + 1 : cut;
  }
}

/** Never between the two halves of a surrogate pair. */
function safeCut(text: string, cut: number): number {
  if (cut <= 0 || cut >= text.length) return Math.max(0, Math.min(cut, text.length));
  return isLowSurrogate(text.charCodeAt(cut)) ? cut - 1 : cut;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
