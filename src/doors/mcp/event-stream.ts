/**
 * Server→client events on an SSE response, never buffered without bound. Node keeps every
 * byte a client has not read yet (the response's buffer on top of the socket's); a client
 * that reads slowly or not at all would grow Warden's memory for as long as the server
 * talks. Past `mcp.stream_buffer_bytes` unread, what happens depends on the stream:
 * - `drop` (the GET stream, open for the whole session): it is ended with a closing comment
 *   naming the setting, and the connection is destroyed if the client has not taken the
 *   rest within a second. The client may reopen it with GET (the SDK and Claude Code do).
 * - `skip` (a POST's stream, which ends with the answer): notifications are dropped while
 *   the client is behind; the answer itself is always written.
 * Memory per stream stays below the bound plus one event.
 */
import type { ServerResponse } from 'node:http';

const DESTROY_GRACE_MS = 1000;

export class EventStream {
  /** Events not written because the client was behind. */
  skipped = 0;
  private dropped = false;

  constructor(
    readonly res: ServerResponse,
    private readonly opts: { maxBuffered: () => number; overflow: 'drop' | 'skip'; onDrop?: (unread: number) => void },
  ) {}

  get open(): boolean {
    return !this.dropped && !this.res.writableEnded && !this.res.destroyed;
  }

  /**
   * Whether an event could be written now, applying the overflow policy when the client is
   * behind (the GET stream is dropped, a POST's event counted as skipped). Callers check this
   * before the work of preparing an event, so nothing queues up for a client that is not reading.
   */
  admit(): boolean {
    if (!this.open) return false;
    const unread = this.res.writableLength;
    if (unread <= this.opts.maxBuffered()) return true;
    if (this.opts.overflow === 'drop') this.drop(unread);
    else this.skipped++;
    return false;
  }

  /** One `message` event carrying `json`; false when it was not written (stream gone, or the client is behind). */
  send(json: string): boolean {
    return this.write(`event: message\ndata: ${json}\n\n`);
  }

  /** An SSE comment line (keep-alive); bounded like events. */
  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  /** Ends the stream (session over); a client that does not take the rest loses the connection. */
  end(): void {
    if (this.res.writableEnded) return;
    this.res.end();
    this.destroyUnlessTaken();
  }

  private write(chunk: string): boolean {
    // writableLength (in admit): bytes handed to the response that the socket has not sent yet.
    if (!this.admit()) return false;
    this.res.write(chunk);
    return true;
  }

  private drop(unread: number): void {
    this.dropped = true;
    this.res.end(`: Warden ended this stream: the client left ${unread} bytes unread (mcp.stream_buffer_bytes); reopen it with GET\n\n`);
    this.destroyUnlessTaken();
    this.opts.onDrop?.(unread);
  }

  private destroyUnlessTaken(): void {
    const res = this.res;
    const t = setTimeout(() => {
      if (!res.writableFinished) res.destroy();
    }, DESTROY_GRACE_MS);
    t.unref();
    res.once('close', () => clearTimeout(t));
  }
}
