/**
 * Splits a Server-Sent-Events byte stream into events, keeping each event's exact bytes
 * (its blank line included) so that events nobody changes pass on byte for byte. Lines may
 * end in LF, CRLF or CR, and chunks may split anywhere (mid-line, mid-character).
 */

export interface SseFrame {
  /** The event's bytes as received, terminating blank line included (absent for a last unterminated event). */
  raw: Buffer;
  /** The `event:` field, '' when absent. */
  event: string;
  /** The `data:` lines joined by '\n'. */
  data: string;
  /** false when the event has no data line (comments, stray blank lines). */
  hasData: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

export class SseParser {
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  /** Bytes in the current line so far (terminator excluded). */
  private lineLen = 0;
  /** The previous byte was a CR: a LF now belongs to the same line end. */
  private afterCR = false;
  /** That CR ended an event, dispatched once we know whether a LF follows. */
  private boundaryAtCR = false;
  private discarding = false;
  private discarded = 0;
  private first = true;

  constructor(
    private readonly onFrame: (frame: SseFrame) => void,
    /** Called instead of onFrame for an event larger than maxEventBytes (its bytes are dropped). */
    private readonly onOversized: (bytes: number) => void,
    private readonly maxEventBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.afterCR) {
        this.afterCR = false;
        if (this.boundaryAtCR) {
          this.boundaryAtCR = false;
          if (b === LF) {
            start = this.dispatch(chunk, start, i + 1);
            continue;
          }
          start = this.dispatch(chunk, start, i);
        } else if (b === LF) {
          continue;
        }
      }
      if (b === CR) {
        this.afterCR = true;
        this.boundaryAtCR = this.lineLen === 0;
        this.lineLen = 0;
      } else if (b === LF) {
        if (this.lineLen === 0) start = this.dispatch(chunk, start, i + 1);
        this.lineLen = 0;
      } else {
        this.lineLen++;
      }
    }
    this.keep(chunk.subarray(start));
  }

  /** The stream ended: a last event without its blank line is still delivered. */
  end(): void {
    if (this.discarding) {
      this.onOversized(this.discarded);
    } else if (this.pieceBytes > 0) {
      this.deliver(Buffer.concat(this.pieces));
    }
    this.pieces = [];
    this.pieceBytes = 0;
    this.discarding = false;
    this.afterCR = this.boundaryAtCR = false;
    this.lineLen = 0;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding) {
      this.discarded += part.length;
      return;
    }
    // Chunks are often slices of a larger buffer that the caller reuses: copy.
    this.pieces.push(Buffer.from(part));
    this.pieceBytes += part.length;
    if (this.pieceBytes > this.maxEventBytes) {
      this.discarding = true;
      this.discarded = this.pieceBytes;
      this.pieces = [];
      this.pieceBytes = 0;
    }
  }

  /** Ends the event at chunk[end - 1]; returns where the next one starts. */
  private dispatch(chunk: Buffer, start: number, end: number): number {
    if (this.discarding) {
      const bytes = this.discarded + (end - start);
      this.discarding = false;
      this.discarded = 0;
      this.onOversized(bytes);
      return end;
    }
    const tail = chunk.subarray(start, end);
    const raw = this.pieces.length === 0 ? Buffer.from(tail) : Buffer.concat([...this.pieces, tail]);
    this.pieces = [];
    this.pieceBytes = 0;
    if (raw.length > this.maxEventBytes) this.onOversized(raw.length);
    else this.deliver(raw);
    return end;
  }

  private deliver(raw: Buffer): void {
    let text = raw.toString('utf8');
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let event = '';
    const data: string[] = [];
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    this.onFrame({ raw, event, data: data.join('\n'), hasData: data.length > 0 });
  }
}
