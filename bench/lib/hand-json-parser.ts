/**
 * For bench/json-read.ts only: a full, iterative, hand-written JSON parser that builds the
 * values itself and refuses duplicate keys and deep nesting — the alternative to
 * "scan, then JSON.parse" the benchmark compares against. Not used by Warden.
 */
type Container = { obj: Record<string, unknown> | null; arr: unknown[] | null; key: string | null };

export function handParse(text: string, maxDepth = 128): unknown {
  let i = 0;
  const n = text.length;
  const stack: Container[] = [];
  let result: unknown;
  let done = false;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at ${i}`);
  };
  const str = (): string => {
    i++;
    let out = '';
    let from = i;
    for (;;) {
      const q = text.indexOf('"', i);
      const b = text.indexOf('\\', i);
      if (q < 0) fail('unterminated string');
      if (b < 0 || b > q) {
        out += text.slice(from, q);
        i = q + 1;
        return out;
      }
      out += text.slice(from, b);
      const e = text.charCodeAt(b + 1);
      if (e === 117) {
        out += String.fromCharCode(parseInt(text.slice(b + 2, b + 6), 16));
        i = b + 6;
      } else {
        out += e === 110 ? '\n' : e === 116 ? '\t' : e === 114 ? '\r' : e === 98 ? '\b' : e === 102 ? '\f' : String.fromCharCode(e);
        i = b + 2;
      }
      from = i;
    }
  };
  const put = (v: unknown) => {
    const top = stack[stack.length - 1];
    if (!top) {
      result = v;
      done = true;
    } else if (top.arr) top.arr.push(v);
    else {
      if (Object.prototype.hasOwnProperty.call(top.obj, top.key!)) fail(`duplicate key ${top.key}`);
      top.obj![top.key!] = v;
    }
  };
  const key = () => {
    ws();
    if (text.charCodeAt(i) !== 34) fail('key expected');
    stack[stack.length - 1]!.key = str();
    ws();
    if (text.charCodeAt(i++) !== 58) fail('colon expected');
  };
  while (!done) {
    ws();
    const c = text.charCodeAt(i);
    let closed = false;
    if (c === 123 || c === 91) {
      if (stack.length >= maxDepth) fail('too deep');
      i++;
      ws();
      const obj = c === 123;
      const closer = obj ? 125 : 93;
      if (text.charCodeAt(i) === closer) {
        i++;
        put(obj ? {} : []);
        closed = true;
      } else {
        stack.push({ obj: obj ? Object.create(null) : null, arr: obj ? null : [], key: null });
        if (obj) key();
        continue;
      }
    } else if (c === 34) put(str());
    else if (c === 116 && text.startsWith('true', i)) (put(true), (i += 4));
    else if (c === 102 && text.startsWith('false', i)) (put(false), (i += 5));
    else if (c === 110 && text.startsWith('null', i)) (put(null), (i += 4));
    else {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const r = m.exec(text);
      if (!r) fail('value expected');
      put(Number(r![0]));
      i += r![0].length;
    }
    void closed;
    // After a value: commas and closers, popping finished containers.
    for (;;) {
      if (done) break;
      ws();
      const d = text.charCodeAt(i);
      const top = stack[stack.length - 1]!;
      if (d === 44) {
        i++;
        if (top.obj) key();
        break;
      }
      if ((d === 125 && top.obj) || (d === 93 && top.arr)) {
        i++;
        stack.pop();
        put(top.obj ?? top.arr);
        continue;
      }
      fail('comma or closer expected');
    }
  }
  ws();
  if (i !== n) fail('trailing text');
  return result;
}
