/**
 * The http-logger: entries queue in memory (bounded) and leave in batches — when a batch is
 * full, after `inactive_timeout_ms` without new entries, or when the oldest entry is
 * `buffer_duration_ms` old. One batch is in flight at a time; a failed batch is retried
 * with exponential backoff, then dropped. `push` is O(1) and never waits: the request path
 * must not slow down because a collector does.
 */
import { request } from 'undici';
import type { Exchange } from '../core/exchange.js';
import type { Counter } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import type { HttpLoggerConfig } from './config.js';
import { renderBatch, toHttpLogEntry, type HttpLogEntry } from './entry.js';

export interface HttpLoggerDeps {
  config: HttpLoggerConfig;
  /** `warden_httplog_dropped_total{reason}`. */
  dropped?: Counter;
  log?: Logger;
}

export class HttpLogger {
  private queue: HttpLogEntry[] = [];
  private oldest = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;
  /** Ends the current backoff wait early (close). */
  private wake: (() => void) | undefined;
  private readonly doors: ReadonlySet<string>;
  private readonly headers: Record<string, string>;

  constructor(private readonly deps: HttpLoggerDeps) {
    const c = deps.config;
    this.doors = new Set(c.doors);
    this.headers = { 'content-type': renderBatch([], c.format, c.index).contentType };
    if (c.authorization) this.headers.authorization = c.authorization;
  }

  /** Queues the summary of a finished exchange (if its door is logged). Never throws, never waits. */
  push(ex: Exchange): void {
    if (this.closed || !this.doors.has(ex.door)) return;
    const c = this.deps.config;
    if (this.queue.length >= c.max_pending_entries) {
      this.deps.dropped?.inc(['queue_full']);
      return;
    }
    if (!this.queue.length) this.oldest = Date.now();
    this.queue.push(toHttpLogEntry(ex));
    if (this.queue.length >= c.batch_max_size) this.kick();
    else this.arm();
  }

  /** Entries waiting to leave (tests, metrics). */
  get pending(): number {
    return this.queue.length;
  }

  private arm(): void {
    const c = this.deps.config;
    clearTimeout(this.timer);
    const byAge = this.oldest + c.buffer_duration_ms - Date.now();
    this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(c.inactive_timeout_ms, byAge)));
    this.timer.unref();
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || !this.queue.length) return;
    this.sending = this.drain().finally(() => {
      this.sending = undefined;
      if (this.queue.length && !this.closed) this.arm();
    });
  }

  /** Sends full batches back to back; a partial batch waits for the timer unless closing. */
  private async drain(): Promise<void> {
    const c = this.deps.config;
    do {
      const batch = this.queue.splice(0, c.batch_max_size);
      this.oldest = Date.now();
      await this.sendWithRetry(batch, this.closed ? 0 : c.max_retry);
    } while (this.queue.length >= c.batch_max_size || (this.closed && this.queue.length));
  }

  private async sendWithRetry(batch: HttpLogEntry[], retries: number): Promise<void> {
    const c = this.deps.config;
    const { body } = renderBatch(batch, c.format, c.index);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await request(c.uri, { method: 'POST', headers: this.headers, body, headersTimeout: c.timeout_ms, bodyTimeout: c.timeout_ms });
        await res.body.dump();
        if (res.statusCode < 300) return;
        throw new Error(`collector answered ${res.statusCode}`);
      } catch (e) {
        if (attempt >= retries || this.closed) {
          this.deps.dropped?.inc(['send_failed'], batch.length);
          this.deps.log?.warn('http-logger batch dropped', { entries: batch.length, error: (e as Error).message });
          return;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, c.retry_delay_ms * 2 ** attempt);
          t.unref();
          this.wake = () => (clearTimeout(t), r());
        });
        this.wake = undefined;
      }
    }
  }

  /** Sends what is queued (one attempt each) and stops. */
  async close(): Promise<void> {
    if (this.closed) return this.sending;
    this.closed = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.sending;
    if (this.queue.length) await this.drain();
  }
}
