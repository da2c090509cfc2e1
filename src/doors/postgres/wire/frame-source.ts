/**
 * Awaitable frames from a socket during the handshake. The relay that follows reads the
 * socket directly (faster); `detach` hands over the framer with any bytes already received.
 */
import type { Duplex } from 'node:stream';
import { FrameError, Framer, type Frame } from './framer.js';

export class FrameSource {
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (b: Buffer) => {
    this.framer.push(b);
    this.wake();
  };
  private readonly onEnd = () => {
    this.failure ??= new FrameError('the client closed the connection during the handshake');
    this.wake();
  };
  private readonly onError = (e: Error) => {
    this.failure ??= e;
    this.wake();
  };

  constructor(
    private socket: Duplex,
    readonly framer: Framer,
  ) {
    this.attach(socket);
  }

  private attach(s: Duplex): void {
    this.socket = s;
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
    s.on('error', this.onError);
  }

  /** Stops reading this socket (before a TLS upgrade or the relay takes over). */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }

  /** Continue on another socket (the TLS socket wrapping the raw one). */
  switchTo(s: Duplex): void {
    this.detach();
    this.failure = undefined;
    this.attach(s);
  }

  fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async next(): Promise<Frame> {
    for (;;) {
      const f = this.framer.next();
      if (f) return f;
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiter = () => r()));
    }
  }
}
