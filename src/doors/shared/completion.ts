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
  let finished = false;
  const onClientGone = typeof gone === 'function' ? gone : () => gone.clientGone();
  const onClose = () => {
    if (finished || res.writableFinished) return;
    finished = true;
    onClientGone();
  };
  res.on('close', onClose);
  // The client may have gone while an earlier stage awaited (a yielding guard scan, OPA, an
  // approval, Redis): 'close' has fired already and will not again, so settle it now — the
  // exchange is finished as client-aborted and the caller does not contact the upstream.
  if (res.destroyed) onClose();
  return {
    get finished() {
      return finished;
    },
    claim() {
      if (finished) return false;
      finished = true;
      res.off('close', onClose);
      return true;
    },
  };
}
