/**
 * Every text of a request body that the provider reads, for the request guard: a generic
 * walk of the whole JSON value, so a block type or field the guard has never heard of
 * (the next API version's) is scanned like the rest. Object keys and numbers are texts
 * too (a card number can travel as a JSON number, a token as a key of `tool_use.input`).
 *
 * The exceptions, each justified in docs/guards.md, apply only where the API puts those
 * blocks (so a look-alike object inside `tool_use.input` or `metadata` is still scanned):
 *  - `thinking` and `redacted_thinking` blocks of assistant turns: the provider signed (or
 *    encrypted) them; a changed byte breaks the signature and the provider refuses the request.
 *  - the `data` of a `base64` source of an image or document block (in a turn, a tool
 *    result or a document): binary data; a "redaction" would only corrupt the file.
 *
 * The walk is iterative (an explicit stack), so no nesting depth can overflow the call
 * stack, and allocates nothing per text: the cursor's fields describe the current one.
 */

type Obj = Record<string, unknown>;

/** Block types left byte-exact in assistant turns. */
const SIGNED_BLOCK_TYPES: ReadonlySet<unknown> = new Set(['thinking', 'redacted_thinking']);
const FILE_BLOCK_TYPES: ReadonlySet<unknown> = new Set(['image', 'document']);

/** Where a node sits in the Messages API shape; `other` is anything else (scanned whole). */
type Kind = 'root' | 'messages' | 'message' | 'assistant-message' | 'blocks' | 'assistant-blocks' | 'block' | 'source' | 'binary-source' | 'other';

interface Frame {
  /** The array or object being walked. */
  node: unknown[] | Obj;
  /** Own keys of an object (undefined for arrays). */
  keys: string[] | undefined;
  /** Next index into the array or `keys`. */
  i: number;
  /** An object's own key step: false = its key not yet given out, true = the value is next. */
  keyDone: boolean;
  kind: Kind;
}

type Place = 'key' | 'value';

export class RequestTexts {
  /** The current text. */
  text = '';
  private readonly stack: Frame[] = [];
  private container: unknown[] | Obj | undefined;
  private slot: string | number = '';
  private place: Place = 'value';
  private readonly renames: { obj: Obj; from: string; to: string }[] = [];

  constructor(body: unknown) {
    if (isWalked(body)) this.push(body, 'root');
  }

  /** Moves to the next text; false when the body has no more. */
  next(): boolean {
    const stack = this.stack;
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (f.keys === undefined) {
        const arr = f.node as unknown[];
        if (f.i >= arr.length) { stack.pop(); continue; }
        const idx = f.i++;
        if (this.visit(f, arr, idx, arr[idx])) return true;
        continue;
      }
      if (f.i >= f.keys.length) { stack.pop(); continue; }
      const key = f.keys[f.i]!;
      const obj = f.node as Obj;
      if (!f.keyDone) {
        f.keyDone = true;
        this.container = obj;
        this.slot = key;
        this.place = 'key';
        this.text = key;
        return true;
      }
      f.keyDone = false;
      f.i++;
      if (f.kind === 'binary-source' && key === 'data') continue;
      if (this.visit(f, obj, key, obj[key])) return true;
    }
    return false;
  }

  /** Replaces the current text (a key is renamed once the walk is over: see finish()). */
  replace(value: string): void {
    const c = this.container!;
    if (this.place === 'key') this.renames.push({ obj: c as Obj, from: this.slot as string, to: value });
    else if (Array.isArray(c)) c[this.slot as number] = value;
    else Object.defineProperty(c, this.slot as string, { value, writable: true, enumerable: true, configurable: true });
  }

  /** Applies key renames, keeping each object's key order. Call after the walk. */
  finish(): void {
    if (this.renames.length === 0) return;
    const byObj = new Map<Obj, Map<string, string>>();
    for (const r of this.renames) {
      let m = byObj.get(r.obj);
      if (!m) byObj.set(r.obj, (m = new Map()));
      m.set(r.from, r.to);
    }
    for (const [obj, m] of byObj) {
      const entries = Object.keys(obj).map((k) => [k, obj[k]] as const);
      for (const [k] of entries) delete obj[k];
      const taken = new Set<string>();
      for (const [k, v] of entries) {
        let name = m.get(k) ?? k;
        // Two keys redacted to the same mask must not overwrite each other.
        for (let n = 2; taken.has(name); n++) name = `${m.get(k) ?? k}#${n}`;
        taken.add(name);
        Object.defineProperty(obj, name, { value: v, writable: true, enumerable: true, configurable: true });
      }
    }
  }

  private visit(parent: Frame, container: unknown[] | Obj, slot: string | number, v: unknown): boolean {
    if (typeof v === 'string') {
      this.text = v;
    } else if (typeof v === 'number') {
      this.text = String(v);
    } else {
      if (isWalked(v)) {
        const kind = childKind(parent, slot, v);
        if (kind !== undefined) this.push(v, kind);
      }
      return false;
    }
    this.container = container;
    this.slot = slot;
    this.place = 'value';
    return true;
  }

  private push(node: unknown[] | Obj, kind: Kind): void {
    this.stack.push({ node, keys: Array.isArray(node) ? undefined : Object.keys(node), i: 0, keyDone: false, kind });
  }
}

/** The kind of a child node, or undefined for a block left byte-exact. */
function childKind(parent: Frame, slot: string | number, v: unknown[] | Obj): Kind | undefined {
  const array = Array.isArray(v);
  switch (parent.kind) {
    case 'root':
      return slot === 'messages' && array ? 'messages' : 'other';
    case 'messages':
      return array ? 'other' : (v as Obj).role === 'assistant' ? 'assistant-message' : 'message';
    case 'message':
    case 'assistant-message':
      return slot !== 'content' || !array ? 'other' : parent.kind === 'message' ? 'blocks' : 'assistant-blocks';
    case 'assistant-blocks':
      if (!array && SIGNED_BLOCK_TYPES.has((v as Obj).type)) return undefined;
      return array ? 'other' : 'block';
    case 'blocks':
      return array ? 'other' : 'block';
    case 'block': {
      const type = (parent.node as Obj).type;
      if (slot === 'content' && array && type === 'tool_result') return 'blocks';
      if (slot !== 'source' || array) return 'other';
      return FILE_BLOCK_TYPES.has(type) && (v as Obj).type === 'base64' ? 'binary-source' : 'source';
    }
    case 'source':
      return slot === 'content' && array ? 'blocks' : 'other';
    default:
      return 'other';
  }
}

function isWalked(v: unknown): v is unknown[] | Obj {
  return v !== null && typeof v === 'object';
}

/**
 * The user's own words, for the prompt guard: the content of user turns, as a string or
 * as their top-level text blocks (not tool results: those are files and command output).
 */
export function promptTexts(body: Obj): string[] {
  const out: string[] = [];
  if (!Array.isArray(body.messages)) return out;
  for (const m of body.messages) {
    if (m === null || typeof m !== 'object' || (m as Obj).role !== 'user') continue;
    const content = (m as Obj).content;
    if (typeof content === 'string') out.push(content);
    else if (Array.isArray(content)) {
      for (const b of content) {
        if (b !== null && typeof b === 'object' && (b as Obj).type === 'text' && typeof (b as Obj).text === 'string') out.push((b as Obj).text as string);
      }
    }
  }
  return out;
}
