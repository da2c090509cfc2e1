/**
 * Merging Warden's additions into a settings document someone else owns, and taking them
 * out again. Objects merge key by key; arrays gain the elements they lack (deep-equal ones
 * are not duplicated); any other value that differs is replaced and its previous value
 * kept. What was added and replaced is returned as a record, so `--undo` removes exactly
 * that and nothing the user wrote.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface MergeRecord {
  /** Elements appended to the array at a key path. */
  appended: { path: string[]; value: Json }[];
  /** Keys created by the merge (absent before). */
  created: { path: string[]; value: Json }[];
  /** Keys whose value the merge replaced, with what was there. */
  replaced: { path: string[]; before: Json; value: Json }[];
}

export const emptyRecord = (): MergeRecord => ({ appended: [], created: [], replaced: [] });

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

const clone = <T extends Json>(v: T): T => structuredClone(v);

/** Merges `add` into `target` in place; records what changed. */
export function mergeInto(target: JsonObject, add: JsonObject, rec: MergeRecord, path: string[] = []): void {
  for (const [k, v] of Object.entries(add)) {
    const p = [...path, k];
    if (!Object.hasOwn(target, k)) {
      target[k] = clone(v);
      rec.created.push({ path: p, value: clone(v) });
    } else if (isObject(v) && isObject(target[k])) {
      mergeInto(target[k] as JsonObject, v, rec, p);
    } else if (Array.isArray(v) && Array.isArray(target[k])) {
      const arr = target[k] as Json[];
      for (const el of v) {
        if (arr.some((x) => deepEqual(x, el))) continue;
        arr.push(clone(el));
        rec.appended.push({ path: p, value: clone(el) });
      }
    } else if (!deepEqual(target[k], v)) {
      rec.replaced.push({ path: p, before: clone(target[k]!), value: clone(v) });
      target[k] = clone(v);
    }
  }
}

function parentOf(doc: JsonObject, path: string[]): JsonObject | undefined {
  let at: Json | undefined = doc;
  for (const k of path.slice(0, -1)) {
    if (!isObject(at)) return undefined;
    at = at[k];
  }
  return isObject(at) ? at : undefined;
}

/** Removes empty objects and arrays left along `path` by an undo (never one the user had). */
function prune(doc: JsonObject, path: string[], keep: Set<string>): void {
  for (let n = path.length; n > 0; n--) {
    const p = path.slice(0, n);
    const parent = parentOf(doc, p);
    const k = p[p.length - 1]!;
    const v = parent?.[k];
    const empty = (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
    if (!parent || !empty || keep.has(p.join('\u0000'))) return;
    delete parent[k];
  }
}

/**
 * Takes a record's changes back out of `doc`, in place. A value the user changed since is
 * left alone (their edit wins); returns the key paths left for that reason.
 */
export function undoRecord(doc: JsonObject, rec: MergeRecord, existedBefore: Set<string>): string[] {
  const kept: string[] = [];
  for (const a of [...rec.appended].reverse()) {
    const arr = parentOf(doc, a.path)?.[a.path[a.path.length - 1]!];
    if (!Array.isArray(arr)) continue;
    const i = arr.findIndex((x) => deepEqual(x, a.value));
    if (i >= 0) arr.splice(i, 1);
    prune(doc, a.path, existedBefore);
  }
  for (const r of [...rec.replaced].reverse()) {
    const parent = parentOf(doc, r.path);
    const k = r.path[r.path.length - 1]!;
    if (!parent) continue;
    if (deepEqual(parent[k], r.value)) parent[k] = clone(r.before);
    else kept.push(r.path.join('.'));
  }
  for (const c of [...rec.created].reverse()) {
    const parent = parentOf(doc, c.path);
    const k = c.path[c.path.length - 1]!;
    if (!parent || !Object.hasOwn(parent, k)) continue;
    const now = parent[k]!;
    // An object Warden created may since hold the user's keys: only Warden's own parts go.
    if (deepEqual(now, c.value)) delete parent[k];
    else if (isObject(now) && isObject(c.value)) {
      const sub = { created: Object.entries(c.value).map(([kk, vv]) => ({ path: [...c.path, kk], value: vv })), appended: [], replaced: [] };
      kept.push(...undoRecord(doc, sub, existedBefore));
    } else if (Array.isArray(now) && Array.isArray(c.value)) {
      for (const el of c.value) {
        const i = now.findIndex((x) => deepEqual(x, el));
        if (i >= 0) now.splice(i, 1);
      }
    } else kept.push(c.path.join('.'));
    prune(doc, c.path, existedBefore);
  }
  return kept;
}

/** Key paths of every object and array in `doc` (so an undo never prunes one the user had). */
export function containerPaths(doc: Json, path: string[] = [], out = new Set<string>()): Set<string> {
  if (isObject(doc)) {
    if (path.length) out.add(path.join('\u0000'));
    for (const [k, v] of Object.entries(doc)) containerPaths(v, [...path, k], out);
  } else if (Array.isArray(doc) && path.length) out.add(path.join('\u0000'));
  return out;
}
