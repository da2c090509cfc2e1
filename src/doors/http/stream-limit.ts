/** A pass-through that errors once more than `limit` bytes went by (streamed request bodies). */
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { WardenError } from '../../core/errors.js';

export function limitStream(req: IncomingMessage, limit: number): Transform {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      // Threat: an unbounded chunked upload tying up the upstream and the gateway.
      if (seen > limit) cb(new WardenError('WARDEN_E_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes (routes[].body_limit_bytes or server.body_limit_bytes)`));
      else cb(null, chunk);
    },
  });
  req.on('aborted', () => t.destroy(new Error('the client aborted while sending the body')));
  req.on('error', (e) => t.destroy(e));
  return req.pipe(t);
}
