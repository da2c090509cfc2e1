/**
 * What an upstream says besides results, on its way to the client. An upstream MCP server's JSON-RPC error on its way to the client: its message is text the
 * hostile or careless server chose, so it passes the same guards as a result (a secret is
 * masked, a `reject` finding withholds it) and its `data` is dropped. Without this the error
 * surfaced as Warden's own internal error, with the raw message in Warden's error log.
 */
import { WardenError } from '../../core/errors.js';
import type { McpCtx } from './context.js';
import { RelayedUpstreamError } from './rpc.js';
import { isJsonRpcErrorFromUpstream, type JsonRpcNotification } from './upstream/index.js';
import { guardValue } from './value-guard.js';

export async function relayUpstreamError(ctx: Pick<McpCtx, 'snap' | 'session' | 'gw' | 'ex'>, e: unknown): Promise<unknown> {
  if (!isJsonRpcErrorFromUpstream(e)) return e;
  let message: string;
  try {
    const g = await guardValue(e.message, ctx.snap.detectors, ctx.snap.config.guards, ctx.session.consumer.name, 'result');
    for (const [detector, n] of g.counts) ctx.gw.metrics.guardFindings.inc(['response', detector], n);
    if (g.findings.length) ctx.ex.responseFindings = g.findings;
    message = g.value;
  } catch (err) {
    if (!(err instanceof WardenError)) throw err;
    ctx.ex.responseFindings = [err.rule ?? 'guard'];
    message = `(withheld by Warden: ${err.message})`;
  }
  return new RelayedUpstreamError(e.server, e.code, message);
}

/**
 * An upstream's notification as the client may see it: its params through the result guards
 * (a log line is text the server chose, like a result). Undefined: withheld (a `reject`
 * finding, or a value the guard refuses).
 */
export async function guardNotification(ctx: Pick<McpCtx, 'snap' | 'session' | 'gw'>, n: JsonRpcNotification): Promise<JsonRpcNotification | undefined> {
  if (!n.params) return n;
  try {
    const g = await guardValue(n.params, ctx.snap.detectors, ctx.snap.config.guards, ctx.session.consumer.name, 'result');
    for (const [detector, c] of g.counts) ctx.gw.metrics.guardFindings.inc(['response', detector], c);
    return g.changed ? { method: n.method, params: g.value } : n;
  } catch (err) {
    if (err instanceof WardenError) return undefined;
    throw err;
  }
}
