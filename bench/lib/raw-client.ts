/**
 * A lean HTTP/1.1 client on one keep-alive socket, for timing single requests: the request
 * is prebuilt bytes written at once (as wrk does), and the answer is read with no library
 * in between, so the time to the first byte of the body is the server's, not a client
 * library's. (An undici client adds ~0.1 ms and, against Node servers on this VM, more.)
 * Bodies are returned de-chunked, to compare streamed bytes exactly.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  body: Buffer;
  headersMs: number;
  /** Time to the first byte of the body (the first SSE event), from the request write. */
  firstByteMs: number;
  totalMs: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export function buildRequest(url: URL, headers: Record<string, string>, body: Buffer): Buffer {
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, `content-length: ${body.length}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]);
}

export class RawClient {
  private socket: Socket | undefined;

  constructor(private readonly port: number) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s = connect({ port: this.port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
      s.once('error', reject);
      this.socket = s;
    });
  }

  async send(request: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
    const s = await this.open();
    return new Promise((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0);
      let t0 = 0;
      let headersMs = -1;
      let firstByteMs = -1;
      let status = 0;
      let bodyStart = -1;
      let length = -1;
      let chunked = false;
      const parts: Buffer[] = [];
      const timer = setTimeout(() => finish(new Error(`no complete answer in ${timeoutMs} ms`)), timeoutMs);
      const finish = (err?: Error, close = false) => {
        clearTimeout(timer);
        s.off('data', onData);
        s.off('close', onClose);
        if (close) s.destroy();
        if (err) reject(err);
        else resolve({ status, body: Buffer.concat(parts), headersMs, firstByteMs, totalMs: performance.now() - t0 });
      };
      const onClose = () => (length === -1 && !chunked && bodyStart >= 0 ? finish() : finish(new Error('connection closed mid-answer')));
      const onData = (d: Buffer) => {
        const now = performance.now();
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        if (bodyStart < 0) {
          const end = buf.indexOf(CRLFCRLF);
          if (end < 0) return;
          headersMs = now - t0;
          const head = buf.toString('latin1', 0, end).split('\r\n');
          status = Number(head[0]!.split(' ')[1]);
          for (const h of head.slice(1)) {
            const [k = '', v = ''] = [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()];
            if (k === 'content-length') length = Number(v);
            if (k === 'transfer-encoding' && v.toLowerCase().includes('chunked')) chunked = true;
          }
          bodyStart = end + 4;
          buf = buf.subarray(bodyStart);
        }
        if (buf.length && firstByteMs < 0) firstByteMs = now - t0;
        if (!chunked) {
          if (length >= 0 && buf.length >= length) {
            parts.push(buf.subarray(0, length));
            if (firstByteMs < 0) firstByteMs = now - t0;
            finish();
          }
          return;
        }
        for (;;) {
          const eol = buf.indexOf('\r\n');
          if (eol < 0) return;
          const size = parseInt(buf.toString('latin1', 0, eol), 16);
          if (size === 0) {
            if (buf.indexOf(CRLFCRLF, eol) < 0) return;
            return finish();
          }
          if (buf.length < eol + 2 + size + 2) return;
          parts.push(buf.subarray(eol + 2, eol + 2 + size));
          buf = buf.subarray(eol + 2 + size + 2);
        }
      };
      s.on('data', onData);
      s.once('close', onClose);
      t0 = performance.now();
      s.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}
