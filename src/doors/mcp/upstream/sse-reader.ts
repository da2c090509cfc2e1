/**
 * Reads a text/event-stream (WHATWG HTML §9.2) from a Node stream into the `data` of each
 * event, bounded: an event (or a line without an end) past `maxBytes` stops the reading with
 * `tooLarge`. Comments, `id`, `retry` and empty data are skipped: MCP only needs the data.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface SseHandlers {
  onData(data: string): void;
  onTooLarge(): void;
  onEnd(error: Error | undefined): void;
}

export function readSse(stream: Readable, maxBytes: number, h: SseHandlers): void {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let data: string[] = [];
  /** Characters held for the event being read: its data lines and the unfinished line. */
  let held = 0;
  let stopped = false;
  const stop = (fn: () => void) => {
    if (stopped) return;
    stopped = true;
    fn();
  };
  const line = (l: string) => {
    if (l === '') {
      if (data.length) {
        const d = data.join('\n');
        data = [];
        if (d.trim() !== '') h.onData(d);
      }
      held = 0;
      return;
    }
    if (l.startsWith('data:')) {
      const d = l.slice(l[5] === ' ' ? 6 : 5);
      data.push(d);
      held += d.length;
      if (held > maxBytes) stop(() => (stream.destroy(), h.onTooLarge()));
    }
  };
  stream.on('data', (chunk: Buffer) => {
    if (stopped) return;
    buf += decoder.write(chunk);
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) !== -1) {
      const sep = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (buf[nl] === '\r' && nl === buf.length - 1) break;
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + sep);
      line(l);
      if (stopped) return;
    }
    if (held + buf.length > maxBytes) stop(() => (stream.destroy(), h.onTooLarge()));
  });
  stream.on('error', (e) => stop(() => h.onEnd(e)));
  stream.on('end', () => stop(() => h.onEnd(undefined)));
  stream.on('close', () => stop(() => h.onEnd(new Error('the event stream closed'))));
}
