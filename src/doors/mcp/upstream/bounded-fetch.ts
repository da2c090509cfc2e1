/**
 * The fetch the SDK's HTTP transports use: the answer headers must come within a deadline
 * (a server that hangs before answering frees its socket), and no single message may exceed
 * `max_message_bytes` — counted from one SSE event boundary (a blank line) to the next, so a
 * long-lived event stream is fine while one endless JSON body or event is cut off.
 */
import { WardenError } from '../../../core/errors.js';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

const NULL_BODY = new Set([101, 204, 205, 304]);

export function boundedFetch(opts: { server: string; maxBytes: number; headersTimeoutMs: number; onOversize(e: WardenError): void }): FetchLike {
  return async (url, init) => {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new WardenError('WARDEN_E_MCP_UPSTREAM_TIMEOUT', `MCP server "${opts.server}" sent no answer headers within ${opts.headersTimeoutMs} ms (mcp.servers.${opts.server}.timeouts)`)),
      opts.headersTimeoutMs,
    );
    timer.unref();
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal });
    } catch (e) {
      throw deadline.signal.aborted ? deadline.signal.reason : e;
    } finally {
      clearTimeout(timer);
    }
    if (!res.body || NULL_BODY.has(res.status)) return res;
    const tooLarge = new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${opts.server}" sent a message larger than ${opts.maxBytes} bytes (mcp.servers.${opts.server}.max_message_bytes)`);
    return new Response(res.body.pipeThrough(boundMessages(opts.maxBytes, () => (opts.onOversize(tooLarge), tooLarge))), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function boundMessages(maxBytes: number, exceeded: () => Error): TransformStream<Uint8Array, Uint8Array> {
  let count = 0;
  let lastWasNewline = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === 10) {
          if (lastWasNewline) count = 0;
          lastWasNewline = true;
        } else if (b !== 13) lastWasNewline = false;
        if (++count > maxBytes) {
          controller.error(exceeded());
          return;
        }
      }
      controller.enqueue(chunk);
    },
  });
}
