/**
 * When a live session must end on its own: its just-in-time grant expires, or the credential
 * it logged in with (an OIDC access token's `exp`, a key's expiry) would no longer be accepted.
 * A session is one login; without this, a token checked once at login would hold a database
 * session open for as long as the client likes (threat: a leaked, expired token's session).
 */
import type { Authenticated } from './door.js';

/** setTimeout holds at most 2^31-1 ms (~24.8 days); a later deadline is re-armed on the way. */
const MAX_TIMER_MS = 2_147_483_647;

export interface Deadline {
  at: number;
  sqlstate: string;
  message: string;
  /** Catalogue code recorded with the ending (never the credential). */
  code: string | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The deadlines of one session, earliest first. */
export function sessionDeadlines(who: Authenticated): Deadline[] {
  const out: Deadline[] = [];
  const g = who.grant;
  if (g) out.push({ at: g.expires, sqlstate: '57P01', code: undefined, message: `Warden: grant ${g.id} (role ${g.role}) expired at ${iso(g.expires)}; this session ends` });
  const c = who.credential;
  if (c) out.push({ at: c.expires, sqlstate: '57P01', code: c.code, message: `Warden: ${c.what} expired at ${iso(c.expires)} (${c.code}); this session ends — connect again with a fresh credential` });
  return out.sort((a, b) => a.at - b.at);
}

/** Calls `end` at the earliest deadline; returns a canceller. */
export function armDeadlines(deadlines: readonly Deadline[], end: (d: Deadline) => void, now = Date.now): () => void {
  const first = deadlines[0];
  if (!first) return () => undefined;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = first.at - now();
    if (wait > MAX_TIMER_MS) timer = setTimeout(arm, MAX_TIMER_MS);
    else timer = setTimeout(() => end(first), Math.max(0, wait));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
