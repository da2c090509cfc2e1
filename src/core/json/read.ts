import { isUtf8 } from 'node:buffer';
import { WardenError, type ErrorCode } from '../errors.js';
import { JsonRefusal, MAX_JSON_DEPTH, scanJson } from './scan.js';
import { validateJson, type TopMembers } from './validate.js';

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

/** A strictly read top-level JSON object whose members are parsed only when asked for. */
export interface LazyJsonObject {
  /** The member's value (undefined when absent), parsed from its own slice of the text once. */
  get(key: string): unknown;
  /** The whole object, parsed on first call. */
  whole(): Record<string, unknown>;
}

/**
 * readJson's reading for a door that needs only a few top-level fields: the same checks and
 * refusals (the whole text must be JSON, strictly), but values are built only for the members
 * asked for. Not a JSON object at all: WARDEN_E_BAD_REQUEST.
 */
export function readJsonObjectLazily(bytes: Buffer, opts: ReadJsonOptions = {}): LazyJsonObject {
  const what = opts.what ?? 'request body';
  if (!isUtf8(bytes)) throw new WardenError('WARDEN_E_JSON_REFUSED', `${what}: not valid UTF-8`);
  // Only the members asked for are ever decoded: the whole is scanned as latin1 (a copy).
  const text = bytes.toString('latin1');
  let top: TopMembers | null;
  try {
    top = validateJson(text, MAX_JSON_DEPTH, bytes);
  } catch (e) {
    if (e instanceof JsonRefusal) throw new WardenError('WARDEN_E_JSON_REFUSED', `${what}: ${e.message}`);
    let message = 'unexpected text';
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (p) {
      message = (p as Error).message.slice(0, 120);
    }
    // Fail closed even where JSON.parse would have taken the text: the validator is the reading.
    throw new WardenError(opts.syntaxCode ?? 'WARDEN_E_BAD_JSON', `${what} is not valid JSON: ${message}`);
  }
  if (!top) throw new WardenError('WARDEN_E_BAD_REQUEST', `${what} must be a JSON object`);
  return new LazyObject(bytes, top);
}

/** Marks a member not parsed yet. */
const UNREAD = Symbol('unread');

class LazyObject implements LazyJsonObject {
  private all: Record<string, unknown> | undefined;
  /** Parsed members, by position in `top.keys`; allocated on the first get. */
  private values: unknown[] | undefined;
  constructor(private readonly bytes: Buffer, private readonly top: TopMembers) {}

  get(key: string): unknown {
    if (this.all) return Object.hasOwn(this.all, key) ? this.all[key] : undefined;
    const at = this.top.keys.indexOf(key);
    if (at < 0) return undefined;
    const values = (this.values ??= new Array<unknown>(this.top.keys.length).fill(UNREAD));
    if (values[at] === UNREAD) values[at] = JSON.parse(this.bytes.toString('utf8', this.top.starts[at], this.top.ends[at]));
    return values[at];
  }

  whole(): Record<string, unknown> {
    return (this.all ??= JSON.parse(this.bytes.toString('utf8')) as Record<string, unknown>);
  }
}
