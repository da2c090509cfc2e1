/**
 * Serialises a redacted request body again. JSON.stringify recurses: a body nested a few
 * thousand levels deep (which JSON.parse reads without complaint) overflows the stack. For
 * such a body the containers on deep paths are written by an iterative writer, and every
 * shallow subtree still by JSON.stringify (the writer alone is ~15× slower). The output is
 * JSON.stringify's for the values JSON.parse produces.
 */
export function reserialize(value: unknown): Buffer {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    text = stringifyIteratively(value);
  }
  return Buffer.from(text);
}

type Container = unknown[] | Record<string, unknown>;
/** Subtrees at most this many containers high go to JSON.stringify (it overflows past ~4,000). */
const NATIVE_HEIGHT = 256;

const isContainer = (v: unknown): v is Container => v !== null && typeof v === 'object';
const children = (c: Container): unknown[] => (Array.isArray(c) ? c : Object.values(c));

/** The containers whose subtree is higher than NATIVE_HEIGHT (iterative post-order). */
function deepContainers(root: unknown): Set<Container> {
  const deep = new Set<Container>();
  if (!isContainer(root)) return deep;
  const height = new Map<Container, number>();
  const stack: { node: Container; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (!top.expanded) {
      top.expanded = true;
      for (const c of children(top.node)) if (isContainer(c)) stack.push({ node: c, expanded: false });
      continue;
    }
    stack.pop();
    let h = 0;
    for (const c of children(top.node)) if (isContainer(c)) h = Math.max(h, height.get(c)!);
    height.set(top.node, h + 1);
    if (h + 1 > NATIVE_HEIGHT) deep.add(top.node);
  }
  return deep;
}

type Frame = { node: unknown[]; keys: undefined; i: number } | { node: Record<string, unknown>; keys: string[]; i: number };

export function stringifyIteratively(root: unknown): string {
  const deep = deepContainers(root);
  let out = '';
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (!isContainer(v) || !deep.has(v)) out += JSON.stringify(v) ?? 'null';
    else if (Array.isArray(v)) {
      out += '[';
      stack.push({ node: v, keys: undefined, i: 0 });
    } else {
      out += '{';
      stack.push({ node: v, keys: Object.keys(v), i: 0 });
    }
  };
  open(root);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.keys === undefined) {
      if (f.i >= f.node.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (f.i > 0) out += ',';
      const v = f.node[f.i++];
      open(v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v);
      continue;
    }
    const first = f.i === 0;
    let key: string | undefined;
    let v: unknown;
    // Keys whose value JSON.stringify leaves out (undefined, functions) are left out here too.
    while (f.i < f.keys.length) {
      key = f.keys[f.i++]!;
      v = f.node[key];
      if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') break;
      key = undefined;
    }
    if (key === undefined) {
      out += '}';
      stack.pop();
      continue;
    }
    if (!first) out += ',';
    out += JSON.stringify(key) + ':';
    open(v);
  }
  return out;
}
