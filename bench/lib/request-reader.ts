/**
 * A minimal HTTP/1.1 request reader for the mock upstream: enough of RFC 9112 for the
 * proxies under test (Content-Length or chunked bodies, keep-alive, pipelining), nothing
 * more. It exists so the mock answers at a fraction of node:http's cost and the proxy,
 * which shares its CPU, gets nearly all of it.
 */
export interface MockRequest {
  method: string;
  path: string;
  body: Buffer;
  close: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

export class RequestReader {
  private buf: Buffer = EMPTY;
  private head: { method: string; path: string; close: boolean; length: number; chunked: boolean } | undefined;
  private chunks: Buffer[] = [];

  /** Feeds bytes; returns every request completed by them (usually zero or one). */
  push(data: Buffer): MockRequest[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const done: MockRequest[] = [];
    for (;;) {
      if (!this.head && !this.readHead()) break;
      const h = this.head!;
      let body: Buffer | undefined;
      if (h.chunked) body = this.readChunked();
      else if (this.buf.length >= h.length) {
        body = this.buf.subarray(0, h.length);
        this.buf = this.buf.subarray(h.length);
      }
      if (!body) break;
      done.push({ method: h.method, path: h.path, body, close: h.close });
      this.head = undefined;
    }
    return done;
  }

  private readHead(): boolean {
    const end = this.buf.indexOf(CRLFCRLF);
    if (end === -1) {
      if (this.buf.length > 64 * 1024) throw new Error('request head larger than 64 KB');
      return false;
    }
    const lines = this.buf.toString('latin1', 0, end).split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const [method = '', path = '', version = ''] = lines[0]!.split(' ');
    let length = 0;
    let chunked = false;
    let close = version === 'HTTP/1.0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.includes('chunked');
      else if (name === 'connection') close = value.includes('close') ? true : value.includes('keep-alive') ? false : close;
    }
    if (!Number.isSafeInteger(length) || length < 0) throw new Error('bad content-length');
    this.head = { method, path, close, length, chunked };
    this.chunks = [];
    return true;
  }

  /** Consumes whole chunks from the buffer; returns the body once the last chunk arrived. */
  private readChunked(): Buffer | undefined {
    for (;;) {
      const eol = this.buf.indexOf('\r\n');
      if (eol === -1) return undefined;
      const size = parseInt(this.buf.toString('latin1', 0, eol).split(';')[0]!, 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
      if (size === 0) {
        // The last chunk, then optional trailers, then an empty line.
        const end = this.buf.indexOf(CRLFCRLF, eol);
        if (end === -1) return undefined;
        this.buf = this.buf.subarray(end + 4);
        return Buffer.concat(this.chunks);
      }
      if (this.buf.length < eol + 2 + size + 2) return undefined;
      this.chunks.push(this.buf.subarray(eol + 2, eol + 2 + size));
      this.buf = this.buf.subarray(eol + 2 + size + 2);
    }
  }
}
