import { isUtf8 } from 'node:buffer';
import { WardenError, type ErrorCode } from '../errors.js';
import { JsonRefusal, MAX_JSON_DEPTH, scanJson } from './scan.js';

export { MAX_JSON_DEPTH } from './scan.js';

export interface ReadJsonOptions {
  /** The code for text that is not JSON at all (a door may keep its own, e.g. the admin API's). */
  syntaxCode?: ErrorCode;
  /** What the bytes are, for messages: "request body" unless told. */
  what?: string;
}

/**
 * The one reading of a client's JSON: every door that decides on a JSON body reads it
 * here, so the value Warden judges is the value any upstream parser sees in the bytes it
 * forwards. Refused (WARDEN_E_JSON_REFUSED, naming the rule and the key path): bytes that
 * are not UTF-8, duplicate keys, lone surrogate escapes, `__proto__` keys, nesting deeper
 * than MAX_JSON_DEPTH. Not JSON at all: `syntaxCode` (WARDEN_E_BAD_JSON by default).
 */
export function readJson(bytes: Buffer, opts: ReadJsonOptions = {}): unknown {
  const what = opts.what ?? 'request body';
  // Invalid UTF-8 decodes to U+FFFD here, but may be refused or read otherwise upstream.
  if (!isUtf8(bytes)) throw new WardenError('WARDEN_E_JSON_REFUSED', `${what}: not valid UTF-8`);
  const text = bytes.toString('utf8');
  try {
    scanJson(text, MAX_JSON_DEPTH);
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof JsonRefusal) throw new WardenError('WARDEN_E_JSON_REFUSED', `${what}: ${e.message}`);
    throw new WardenError(opts.syntaxCode ?? 'WARDEN_E_BAD_JSON', `${what} is not valid JSON: ${(e as Error).message.slice(0, 120)}`);
  }
}
