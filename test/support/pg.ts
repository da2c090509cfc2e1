/**
 * PostgreSQL door test support: the real server on 127.0.0.1:5432 (trust auth, user
 * postgres), a throwaway database per test file, psql runs, and a raw protocol client built
 * on pg-protocol (node-postgres' own serializer and parser) for byte-level cases.
 */
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parse, serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startTestWarden, type TestWarden } from './warden.js';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** psql as the superuser, straight to the server (setup and checks behind Warden's back). */
export async function adminSql(sql: string, db = 'postgres'): Promise<string> {
  const r = await run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', `host=${PG.host} port=${PG.port} user=${PG.user} dbname=${db}`, '-c', sql]);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A fresh database with a `cards` table and reader/writer roles; `drop()` removes them all. */
export async function testDatabase(tag: string): Promise<{ name: string; reader: string; writer: string; drop(): Promise<void> }> {
  const id = randomBytes(4).toString('hex');
  const name = `wt_${tag}_${id}`;
  const reader = `wt_reader_${id}`;
  const writer = `wt_writer_${id}`;
  await adminSql(`CREATE DATABASE ${name}`);
  await adminSql(`CREATE ROLE ${reader} LOGIN; CREATE ROLE ${writer} LOGIN`);
  await adminSql(
    `CREATE TABLE cards (id int primary key, owner text, card text, note text);
     INSERT INTO cards VALUES (1, 'ann', '4111111111111111', 'first'), (2, 'bob', '5500005555555559', 'second');
     CREATE TABLE items (id int primary key, name text);
     INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 50) g;
     GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader};
     GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${writer};`,
    name,
  );
  return {
    name,
    reader,
    writer,
    async drop() {
      await adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await adminSql(`DROP ROLE IF EXISTS ${reader}; DROP ROLE IF EXISTS ${writer}`).catch(() => undefined);
    },
  };
}

export interface PgWarden extends TestWarden {
  pgPort: number;
}

/** A test Warden with the PostgreSQL door on 127.0.0.1:0 in front of the local server. */
export async function startPgWarden(postgres: Record<string, unknown>, more: ConfigInput = {}, opts: { dir?: string } = {}): Promise<PgWarden> {
  const w = await startTestWarden({ ...more, postgres: { listen: { port: 0 }, upstream: { user: PG.user }, ...postgres } } as ConfigInput, opts);
  const url = w.warden.doorUrls.find((u) => u.startsWith('postgres://'));
  if (!url) throw new Error('the postgres door did not start');
  return { ...w, pgPort: Number(new URL(url).port) };
}

/** psql through the door: `sql` runs as separate -c commands, one session. */
export function psql(port: number, o: { user: string; password: string; db: string; sslmode?: string; extra?: string }, sqls: string[], env: Record<string, string> = {}): Promise<Run> {
  const conn = `host=127.0.0.1 port=${port} user=${o.user} dbname=${o.db} sslmode=${o.sslmode ?? 'disable'}${o.extra ? ` ${o.extra}` : ''}`;
  return run('psql', ['-X', '-At', conn, ...sqls.flatMap((s) => ['-c', s])], { PGPASSWORD: o.password, ...env });
}

/** A raw protocol client: writes any bytes, collects parsed server messages. */
export class RawClient {
  readonly messages: BackendMessage[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  readonly raw: Buffer[] = [];

  private constructor(readonly socket: Socket) {}

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise<void>((ok, fail) => {
      socket.once('connect', ok);
      socket.once('error', fail);
    });
    return new RawClient(socket);
  }

  /** Starts parsing server messages (after any single-byte SSL/GSS answers were read). */
  parseMessages(): void {
    void parse(this.socket, (m) => {
      this.messages.push(m);
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Reads exactly one byte (the answer to SSLRequest / GSSENCRequest). */
  oneByte(): Promise<string> {
    return new Promise((ok) => this.socket.once('data', (b: Buffer) => ok(b.toString('latin1'))));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  /** Startup + password; returns once ReadyForQuery arrives (or the connection ends). */
  async login(user: string, password: string, database: string, extra: Record<string, string> = {}): Promise<void> {
    this.parseMessages();
    this.write(serialize.startup({ user, database, ...extra }));
    await this.until((m) => m.name === 'authenticationCleartextPassword' || m.name === 'error');
    this.write(serialize.password(password));
    await this.until((m) => m.name === 'readyForQuery' || m.name === 'error');
  }

  /** Waits for a message matching `pred` after position `from`; returns it. */
  async until(pred: (m: BackendMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<BackendMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`connection closed; messages: ${this.messages.map((m) => m.name).join(',')}`);
      if (Date.now() > deadline) throw new Error(`timed out; messages: ${this.messages.map((m) => m.name).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends and waits for the next ReadyForQuery; returns the messages of that round trip. */
  async roundTrip(b: Buffer, readies = 1): Promise<BackendMessage[]> {
    const from = this.messages.length;
    this.write(b);
    const deadline = Date.now() + 10_000;
    while (this.messages.slice(from).filter((m) => m.name === 'readyForQuery').length < readies) {
      if (Date.now() > deadline) throw new Error(`timed out; messages: ${names(this.messages.slice(from)).join(',')}`);
      await this.until((m) => m.name === 'readyForQuery' || this.closed, 10_000, this.messages.length).catch((e: Error) => {
        if (this.closed) throw e;
      });
    }
    return this.messages.slice(from);
  }

  close(): void {
    this.socket.destroy();
  }
}

export { serialize };

export function names(ms: BackendMessage[]): string[] {
  return ms.map((m) => m.name);
}

export function errorsOf(ms: BackendMessage[]): { code: string; message: string; severity: string; hint?: string; detail?: string }[] {
  return ms.filter((m) => m.name === 'error').map((m) => m as unknown as { code: string; message: string; severity: string; hint?: string; detail?: string });
}
