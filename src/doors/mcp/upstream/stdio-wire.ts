/**
 * A spawned MCP server speaking newline-delimited JSON-RPC on stdin/stdout. Not the SDK's
 * StdioClientTransport: that one buffers stdout without bound and skips lines that are not
 * JSON. Here a line past `max_message_bytes` (a flood) or one that is not JSON-RPC (garbage)
 * is fatal: the process is killed and whatever was in flight fails with that reason.
 * The child gets a minimal environment: Warden's own (provider keys) is never inherited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../../../core/errors.js';
import type { Logger } from '../../../telemetry/log.js';
import type { McpStdioServerConfig } from '../config.js';
import type { Wire } from './rpc-connection.js';
import { StderrRelay } from './stderr-relay.js';

const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'SYSTEMROOT'];
const KILL_GRACE_MS = 2000;

export class StdioWire implements Wire {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  /** Why the process is gone, set before onclose. */
  failure: WardenError | undefined;

  private child: ChildProcess | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private exitedPromise: Promise<void> = Promise.resolve();

  constructor(
    private readonly server: string,
    private readonly cfg: McpStdioServerConfig,
    private readonly credentialEnv: Record<string, string>,
    private readonly log: Logger,
    private readonly secrets: string[],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    const env: Record<string, string> = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, this.cfg.env, this.credentialEnv);
    return new Promise((resolve, reject) => {
      const child = spawn(this.cfg.command, this.cfg.args, { env, cwd: this.cfg.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      this.child = child;
      this.exitedPromise = new Promise((done) => {
        child.once('exit', () => done());
        child.once('error', () => done());
      });
      child.once('spawn', () => resolve());
      child.once('error', (e: NodeJS.ErrnoException) => {
        const reason = new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `could not start MCP server "${this.server}": ${e.code ?? e.message} (mcp.servers.${this.server}.command)`);
        this.finish(reason);
        reject(reason);
      });
      child.once('exit', (code, signal) => {
        this.finish(new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" exited (${signal ? `signal ${signal}` : `code ${code}`})`));
      });
      // Every stream gets an error handler: an EPIPE on a dead child must not crash Warden.
      child.stdin!.on('error', () => undefined);
      child.stdout!.on('error', () => undefined);
      child.stderr!.on('error', () => undefined);
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      new StderrRelay(this.server, this.cfg.stderr, this.log, this.secrets).attach(child.stderr!);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (this.failure || !stdin || stdin.destroyed) throw this.failure ?? new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" is not running`);
    if (!stdin.write(JSON.stringify(message) + '\n')) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          stdin.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        stdin.on('close', done);
      });
    }
  }

  /** Ends the process: stdin closed, then SIGTERM, then SIGKILL after a grace period. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
    const t = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    t.unref();
    await this.exitedPromise;
    clearTimeout(t);
  }

  private read(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      const line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      if (line.length > this.cfg.max_message_bytes) return this.fatal(`wrote a message longer than ${this.cfg.max_message_bytes} bytes on stdout (mcp.servers.${this.server}.max_message_bytes)`);
      if (!this.line(line)) return;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.cfg.max_message_bytes) this.fatal(`wrote more than ${this.cfg.max_message_bytes} bytes on stdout without a line end (mcp.servers.${this.server}.max_message_bytes)`);
    }
  }

  /** false once the process was killed for this line. */
  private line(raw: Buffer): boolean {
    const text = raw.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return true;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.fatal('wrote a line on stdout that is not JSON (stdout is reserved for JSON-RPC; logs belong on stderr)');
      return false;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      this.fatal('wrote a line on stdout that is not a JSON-RPC 2.0 message');
      return false;
    }
    this.onmessage?.(msg as JSONRPCMessage);
    return this.failure === undefined;
  }

  private fatal(what: string): void {
    if (this.failure) return;
    const reason = new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${this.server}" ${what}; it was stopped and will be restarted`);
    this.log.warn('mcp stdio server killed', { server: this.server, reason: what });
    this.pending = [];
    this.pendingBytes = 0;
    this.child?.stdout?.removeAllListeners('data');
    this.child?.stdout?.on('data', () => undefined);
    this.child?.kill('SIGKILL');
    this.finish(reason);
  }

  private finish(reason: WardenError): void {
    if (this.failure) return;
    this.failure = reason;
    this.onclose?.();
  }
}
