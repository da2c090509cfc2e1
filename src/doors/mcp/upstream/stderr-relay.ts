/**
 * A stdio server's stderr into Warden's log: one log line per stderr line, cut to
 * `max_line_bytes`, at most `max_lines_per_second` (the rest counted and summarised), control
 * characters removed (log injection), and the credential Warden gave the server scrubbed
 * (a server that prints its environment must not put the upstream token in Warden's logs).
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../../../telemetry/log.js';
import type { McpStdioServerConfig } from '../config.js';

export class StderrRelay {
  private partial = '';
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: string,
    private readonly cfg: McpStdioServerConfig['stderr'],
    private readonly log: Logger,
    private readonly secrets: readonly string[],
  ) {}

  attach(stream: Readable): void {
    stream.setEncoding('utf8');
    stream.on('data', (s: string) => this.take(s));
    stream.on('end', () => {
      if (this.partial) this.emit(this.partial);
      this.partial = '';
      this.flushDropped();
    });
  }

  private take(s: string): void {
    const parts = (this.partial + s).split('\n');
    this.partial = parts.pop() ?? '';
    // An endless line is emitted in pieces rather than held without bound.
    if (this.partial.length > this.cfg.max_line_bytes) {
      parts.push(this.partial);
      this.partial = '';
    }
    for (const p of parts) this.emit(p);
  }

  private emit(raw: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.flushDropped();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow > this.cfg.max_lines_per_second) {
      // The summary comes when the window ends, even if the server then falls silent.
      if (this.dropped++ === 0 && !this.flushTimer) {
        this.flushTimer = setTimeout(() => this.flushDropped(), Math.max(1, 1000 - (now - this.windowStart)));
        this.flushTimer.unref();
      }
      return;
    }
    let line = raw.slice(0, this.cfg.max_line_bytes * 2).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
    for (const secret of this.secrets) if (line.includes(secret)) line = line.split(secret).join('[redacted]');
    if (Buffer.byteLength(line) > this.cfg.max_line_bytes) line = Buffer.from(line).subarray(0, this.cfg.max_line_bytes).toString('utf8').replace(/\uFFFD$/, '') + '…';
    if (line.trim()) this.log.info('mcp server stderr', { server: this.server, line });
  }

  private flushDropped(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dropped === 0) return;
    this.log.warn('mcp server stderr lines dropped', { server: this.server, dropped: this.dropped, limit_per_second: this.cfg.max_lines_per_second });
    this.dropped = 0;
  }
}
