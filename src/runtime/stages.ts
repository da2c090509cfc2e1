/**
 * The stage order, written once for every door. A door supplies the protocol-specific part
 * of each stage over its own context; stages never write protocol bytes: they fill the
 * exchange or throw a WardenError, and the door's `fail` renders it in its protocol.
 */
export interface DoorStages<C> {
  /** Who is asking. First: an unauthenticated client costs nothing (no body is buffered). */
  identify(ctx: C): void | Promise<void>;
  /** Read and parse the request, bounded in size and time, before anything decides on it. */
  read?(ctx: C): void | Promise<void>;
  /** The policy decision (an `ask` becomes an approval). Cheap, so before anything that costs. */
  authorize(ctx: C): void | Promise<void>;
  /** After authorize (a refused request costs no quota), before the guards (the costliest stage). */
  limit?(ctx: C): void | Promise<void>;
  /** Detectors on the request: last before forwarding, only for admitted requests. */
  guard?(ctx: C): void | Promise<void>;
  /**
   * Sends to the upstream and answers; it owns the finish (account, audit, metrics in
   * gw.finish) because an answer may stream long after this call returns.
   */
  forward(ctx: C): void | Promise<void>;
  /** Finishes the exchange with the error and answers it in the door's protocol. */
  fail(ctx: C, err: unknown): void;
}

/**
 * Runs identify → read → authorize → limit → guard → forward; the first throw ends the
 * exchange through `fail`. Sync stages run without an extra turn of the event loop.
 */
export async function runStages<C>(ctx: C, s: DoorStages<C>): Promise<void> {
  try {
    let r = s.identify(ctx);
    if (r) await r;
    if (s.read && (r = s.read(ctx))) await r;
    if ((r = s.authorize(ctx))) await r;
    if (s.limit && (r = s.limit(ctx))) await r;
    if (s.guard && (r = s.guard(ctx))) await r;
    if ((r = s.forward(ctx))) await r;
  } catch (e) {
    s.fail(ctx, e);
  }
}
