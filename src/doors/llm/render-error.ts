import type { ServerResponse } from 'node:http';
import type { WardenError } from '../../core/errors.js';

/** The Anthropic error body for a Warden error; the message carries the stable code and request id. */
export function anthropicErrorBody(err: WardenError, requestId: string): string {
  return JSON.stringify({
    type: 'error',
    error: { type: err.entry.anthropic, message: `${err.message} [${err.code}, request ${requestId}]` },
    request_id: requestId,
  });
}

/**
 * Renders a Warden error in Anthropic's shape. `x-should-retry: false` on every answer
 * retrying cannot fix, so Claude Code shows it at once instead of backing off for minutes.
 */
export function sendAnthropicError(res: ServerResponse, err: WardenError, requestId: string, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = anthropicErrorBody(err, requestId);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-warden-request-id': requestId,
    'x-warden-error-code': err.code,
    'x-should-retry': err.entry.retry ? 'true' : 'false',
    ...err.headers,
  };
  if (closeConnection) headers['connection'] = 'close';
  res.writeHead(err.status, headers);
  res.end(body);
}

/** An SSE `error` event, for failures after the stream has started. */
export function sseErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`;
}
