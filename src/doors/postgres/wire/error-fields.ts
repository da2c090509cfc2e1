/** ErrorResponse / NoticeResponse fields: a code byte and a NUL-terminated string each, then a final NUL. */
import { message } from './build.js';

export function parseErrorFields(body: Buffer): Map<string, string> {
  const m = new Map<string, string>();
  let off = 0;
  while (off < body.length && body[off] !== 0) {
    const code = String.fromCharCode(body[off]!);
    const end = body.indexOf(0, off + 1);
    if (end < 0) break;
    m.set(code, body.toString('utf8', off + 1, end));
    off = end + 1;
  }
  return m;
}

export function buildErrorFields(type: 'E' | 'N', fields: Map<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) parts.push(Buffer.from(k, 'latin1'), Buffer.from(v, 'utf8'), Buffer.from([0]));
  parts.push(Buffer.from([0]));
  return message(type, Buffer.concat(parts));
}
