/**
 * Cancel keys: each client gets Warden's own process id and secret, never the server's
 * (threat: a client cancelling other sessions' queries, or learning the upstream's keys).
 * A CancelRequest is matched in constant time and forwarded with the upstream's pair; a
 * wrong key is dropped silently, as PostgreSQL does, so guessing learns nothing.
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { openUpstreamSocket, type UpstreamTls } from './upstream-tls.js';
import { cancelRequest } from './wire/build.js';

interface Entry {
  key: Buffer;
  upstream: { host: string; port: number; pid: number; key: Buffer; tls: UpstreamTls | undefined } | undefined;
}

export class CancelKeys {
  private readonly byPid = new Map<number, Entry>();

  /** A fresh key for a session: 4 bytes for protocol 3.0 (libpq refuses others), 32 for 3.2. */
  issue(minor: number, upstream: Entry['upstream']): { pid: number; key: Buffer; release: () => void } {
    let pid: number;
    do pid = randomInt(1, 0x7fffffff);
    while (this.byPid.has(pid));
    const key = randomBytes(minor >= 2 ? 32 : 4);
    this.byPid.set(pid, { key, upstream });
    return { pid, key, release: () => this.byPid.delete(pid) };
  }

  /** Forwards a matching cancel to the server; returns whether it matched. */
  cancel(pid: number, key: Buffer): boolean {
    const e = this.byPid.get(pid);
    if (!e || e.key.length !== key.length || !timingSafeEqual(e.key, key)) return false;
    if (e.upstream) sendCancel(e.upstream);
    return true;
  }

  /** Cancels the session's running query upstream (the client vanished). */
  cancelUpstream(u: Entry['upstream']): void {
    if (u) sendCancel(u);
  }
}

/** Over the same kind of hop as the session: a cancel key sent in clear could be replayed by whoever sees it. */
function sendCancel(u: NonNullable<Entry['upstream']>): void {
  openUpstreamSocket(u.host, u.port, u.tls, Date.now() + 5000).then(
    (s) => {
      s.on('error', () => s.destroy());
      s.setTimeout(5000, () => s.destroy());
      s.end(cancelRequest(u.pid, u.key));
    },
    () => undefined,
  );
}
