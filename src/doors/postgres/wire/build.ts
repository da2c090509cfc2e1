/** Serializers for the messages Warden writes itself (to the client as a server, to the server as a client). */

/** A typed message: type byte, length, body. */
export function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function authRequest(code: number, extra?: Buffer): Buffer {
  return message('R', extra ? Buffer.concat([int32(code), extra]) : int32(code));
}

export function parameterStatus(name: string, value: string): Buffer {
  return message('S', Buffer.concat([cstr(name), cstr(value)]));
}

export function backendKeyData(pid: number, key: Buffer): Buffer {
  return message('K', Buffer.concat([int32(pid), key]));
}

export type TxStatus = 'I' | 'T' | 'E';

export function readyForQuery(status: TxStatus): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}

export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'NOTICE';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** ErrorResponse ('E') or NoticeResponse ('N'). Field letters: S V C M D H. */
export function errorResponse(f: ErrorFields, type: 'E' | 'N' = 'E'): Buffer {
  const parts = [Buffer.from('S'), cstr(f.severity), Buffer.from('V'), cstr(f.severity), Buffer.from('C'), cstr(f.code), Buffer.from('M'), cstr(f.message)];
  if (f.detail) parts.push(Buffer.from('D'), cstr(f.detail));
  if (f.hint) parts.push(Buffer.from('H'), cstr(f.hint));
  parts.push(Buffer.from([0]));
  return message(type, Buffer.concat(parts));
}

/** The server's answer to a newer minor protocol version or unknown `_pq_.` options. */
export function negotiateProtocolVersion(minor: number, unsupported: string[]): Buffer {
  return message('v', Buffer.concat([int32((3 << 16) | minor), int32(unsupported.length), ...unsupported.map(cstr)]));
}

/** Untyped startup packet: length, version, name/value pairs, final NUL. */
export function startupMessage(version: number, params: Record<string, string>): Buffer {
  const body = Buffer.concat([int32(version), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
  return Buffer.concat([int32(4 + body.length), body]);
}

export function cancelRequest(pid: number, key: Buffer): Buffer {
  const body = Buffer.concat([int32(80877102), int32(pid), key]);
  return Buffer.concat([int32(4 + body.length), body]);
}

export function passwordMessage(password: string): Buffer {
  return message('p', cstr(password));
}

export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  return message('p', Buffer.concat([cstr(mechanism), int32(data.length), data]));
}

export function saslResponse(data: Buffer): Buffer {
  return message('p', data);
}

export const SYNC = message('S');
export const TERMINATE = message('X');

export function query(sql: string): Buffer {
  return message('Q', cstr(sql));
}
