import type { IncomingMessage } from 'node:http';
import { WardenError } from '../../core/errors.js';

/**
 * Reads a request body into one Buffer, refusing more than `limit` bytes (checked against
 * content-length up front and while streaming) and clients slower than `timeoutMs`
 * (threat: slowloris-style bodies holding a connection and memory). `limitKey` is the config
 * key named in the 413 message. Every listener it adds comes off when it settles.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number, limitKey = 'server.body_limit_bytes'): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new WardenError('WARDEN_E_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit} bytes (${limitKey})`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: WardenError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (err) {
        req.resume();
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish(new WardenError('WARDEN_E_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes (${limitKey})`));
      else chunks.push(c);
    };
    const onEnd = () => finish(null);
    const onError = () => finish(new WardenError('WARDEN_E_BAD_REQUEST', 'the request body could not be read (connection error)'));
    const onAborted = () => finish(new WardenError('WARDEN_E_BAD_REQUEST', 'the client aborted while sending the body'));
    const timer = setTimeout(() => finish(new WardenError('WARDEN_E_CLIENT_TIMEOUT', `the request body was not received within ${timeoutMs} ms (server.body_timeout_ms)`)), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}
