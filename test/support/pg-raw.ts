/**
 * A minimal PostgreSQL wire client for tests that need the exact bytes the real server
 * sends (RowDescription, DataRow, CopyData, ErrorResponse): trust authentication only.
 */
import { connect, type Socket } from 'node:net';

export interface RawMessage {
  type: string;
  /** The body, after the type byte and the length. */
  body: Buffer;
}

export class RawPg {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private error: Error | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.wake();
    });
    socket.on('close', () => {
      this.error ??= new Error('connection closed');
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async connect(opts: { host?: string; port?: number; user?: string; database?: string } = {}): Promise<RawPg> {
    const socket = connect({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 5432 });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new RawPg(socket);
    const params = Buffer.from(`user\0${opts.user ?? 'postgres'}\0database\0${opts.database ?? 'test'}\0\0`);
    const head = Buffer.alloc(8);
    head.writeInt32BE(8 + params.length, 0);
    head.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([head, params]));
    const msgs = await c.until('Z');
    const auth = msgs.find((m) => m.type === 'R');
    if (!auth || auth.body.readInt32BE(0) !== 0) throw new Error('RawPg needs trust authentication');
    return c;
  }

  private async next(timeoutMs: number): Promise<RawMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length >= 1 + len) {
          const m = { type: String.fromCharCode(this.buf[0]!), body: Buffer.from(this.buf.subarray(5, 1 + len)) };
          this.buf = this.buf.subarray(1 + len);
          return m;
        }
      }
      if (this.error) throw this.error;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('RawPg: no answer in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Messages up to and including the first of type `type`. */
  async until(type: string, timeoutMs = 10_000): Promise<RawMessage[]> {
    const out: RawMessage[] = [];
    for (;;) {
      const m = await this.next(timeoutMs);
      out.push(m);
      if (m.type === type) return out;
    }
  }

  private send(type: string, body: Buffer): void {
    const head = Buffer.alloc(5);
    head[0] = type.charCodeAt(0);
    head.writeInt32BE(4 + body.length, 1);
    this.socket.write(Buffer.concat([head, body]));
  }

  /** Simple query: every message up to ReadyForQuery. */
  query(sql: string): Promise<RawMessage[]> {
    this.send('Q', Buffer.from(`${sql}\0`));
    return this.until('Z');
  }

  /** Extended query without parameters, results in `format` (0 text, 1 binary). */
  extended(sql: string, format: 0 | 1): Promise<RawMessage[]> {
    this.send('P', Buffer.concat([Buffer.from(`\0${sql}\0`), Buffer.from([0, 0])]));
    const bind = Buffer.alloc(10);
    // portal "", statement "", 0 parameter formats, 0 parameters, 1 result format
    bind.writeInt16BE(0, 2);
    bind.writeInt16BE(0, 4);
    bind.writeInt16BE(1, 6);
    bind.writeInt16BE(format, 8);
    this.send('B', bind);
    this.send('D', Buffer.from('P\0'));
    this.send('E', Buffer.from([0, 0, 0, 0, 0]));
    this.send('S', Buffer.alloc(0));
    return this.until('Z');
  }

  async close(): Promise<void> {
    if (!this.socket.destroyed) this.send('X', Buffer.alloc(0));
    this.socket.end();
    this.socket.destroy();
  }
}
