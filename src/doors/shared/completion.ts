import type { ServerResponse } from 'node:http';

export interface Completion {
  /** true once the exchange was claimed by either side. */
  readonly finished: boolean;
  /** The upstream side ends the exchange: true the first time only. */
  claim(): boolean;
}

/**
 * Ends a forwarded exchange exactly once: either the upstream answer completes or fails
 * (`claim()`), or the client goes away first and `onClientGone` runs — where the door aborts
 * the upstream request and finishes the exchange as client-aborted.
 */
export function exchangeCompletion(res: ServerResponse, gone: (() => void) | { clientGone(): void }): Completion {
  return new ExchangeCompletion(res, gone);
}

/**
 * Nothing here may be allocated in the old generation, or that dead object keeps the whole
 * exchange it points to (request, response, upstream request, ~8 KB) alive through every
 * young-generation GC until the next full one (docs/benchmarks.md, "LLM door CPU per
 * request: step by step"). So: a class with a plain `finished` field, never an object
 * literal with `get finished()` (V8 allocates a literal's accessor pair in the old
 * generation, one per object); and the listener made in a local, never written straight
 * into a property (`this.onClose = () => …`: V8's parser pretenures a function literal
 * assigned to a property).
 */
class ExchangeCompletion implements Completion {
  finished = false;
  private readonly onClose: () => void;

  constructor(
    private readonly res: ServerResponse,
    gone: (() => void) | { clientGone(): void },
  ) {
    const onClose = () => {
      if (this.finished || res.writableFinished) return;
      this.finished = true;
      if (typeof gone === 'function') gone();
      else gone.clientGone();
    };
    this.onClose = onClose;
    res.on('close', onClose);
    // The client may have gone while an earlier stage awaited (a yielding guard scan, OPA, an
    // approval, Redis): 'close' has fired already and will not again, so settle it now — the
    // exchange is finished as client-aborted and the caller does not contact the upstream.
    if (res.destroyed) onClose();
  }

  claim(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.res.off('close', this.onClose);
    return true;
  }
}
