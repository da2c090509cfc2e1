/** Parsers for the client's extended-protocol messages; every field is bounds-checked. */
import { FrameError } from './framer.js';
import { BodyReader } from './reader.js';

export interface ParseMsg {
  name: string;
  /** The statement text exactly as sent (decisions are made on these bytes). */
  sql: string;
  paramTypes: number[];
}

export function parseParse(b: Buffer): ParseMsg {
  const r = new BodyReader(b, 'Parse');
  const name = r.cstring();
  const sqlBytes = r.cstringBytes();
  const n = r.int16();
  if (n < 0) throw new FrameError('Parse message has a negative parameter count');
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0);
  r.end();
  return { name, sql: decodeStrict(sqlBytes, 'Parse'), paramTypes };
}

export interface BindMsg {
  portal: string;
  statement: string;
  paramFormats: number[];
  params: (Buffer | null)[];
  resultFormats: number[];
}

export function parseBind(b: Buffer): BindMsg {
  const r = new BodyReader(b, 'Bind');
  const portal = r.cstring();
  const statement = r.cstring();
  const nf = r.int16();
  if (nf < 0) throw new FrameError('Bind message has a negative format count');
  const paramFormats: number[] = [];
  for (let i = 0; i < nf; i++) paramFormats.push(r.int16());
  const np = r.int16();
  if (np < 0) throw new FrameError('Bind message has a negative parameter count');
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < np; i++) {
    const len = r.int32();
    if (len < -1) throw new FrameError(`Bind parameter ${i + 1} has length ${len}`);
    params.push(len === -1 ? null : r.bytes(len));
  }
  const nr = r.int16();
  if (nr < 0) throw new FrameError('Bind message has a negative result format count');
  const resultFormats: number[] = [];
  for (let i = 0; i < nr; i++) resultFormats.push(r.int16());
  r.end();
  return { portal, statement, paramFormats, params, resultFormats };
}

/** Describe ('D') and Close ('C'): 'S' statement or 'P' portal, and its name. */
export function parseTarget(b: Buffer, what: string): { kind: 'S' | 'P'; name: string } {
  const r = new BodyReader(b, what);
  const k = String.fromCharCode(r.byte());
  if (k !== 'S' && k !== 'P') throw new FrameError(`${what} message names '${k}', expected 'S' or 'P'`);
  const name = r.cstring();
  r.end();
  return { kind: k, name };
}

export function parseExecute(b: Buffer): { portal: string; maxRows: number } {
  const r = new BodyReader(b, 'Execute');
  const portal = r.cstring();
  const maxRows = r.int32();
  r.end();
  return { portal, maxRows };
}

export function parseQuery(b: Buffer): string {
  const r = new BodyReader(b, 'Query');
  const bytes = r.cstringBytes();
  r.end();
  return decodeStrict(bytes, 'Query');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Invalid UTF-8 is refused: Warden and the server must read the same characters. */
function decodeStrict(b: Buffer, what: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new FrameError(`${what} message text is not valid UTF-8`);
  }
}
