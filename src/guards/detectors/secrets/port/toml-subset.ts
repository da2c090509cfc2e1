/**
 * Reads the TOML subset gitleaks.toml is written in: `[table]`, `[[array.of.tables]]`,
 * `key = value` with literal ('''…''' / '…') and basic ("…") strings, numbers and
 * arrays of those. Enough for the port; not a general TOML parser.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable { [key: string]: TomlValue }

export function parseTomlSubset(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  let pos = 0;

  const fail = (why: string): never => {
    const line = text.slice(0, pos).split('\n').length;
    throw new Error(`TOML subset: ${why} at line ${line}`);
  };
  const skipSpace = (newlines: boolean): void => {
    for (;;) {
      const ch = text[pos];
      if (ch === ' ' || ch === '\t' || ch === '\r' || (newlines && ch === '\n')) pos++;
      else if (ch === '#') while (pos < text.length && text[pos] !== '\n') pos++;
      else return;
    }
  };

  const readString = (): string => {
    for (const q of ["'''", '"""']) {
      if (text.startsWith(q, pos)) {
        const end = text.indexOf(q, pos + 3);
        if (end < 0) fail('unterminated string');
        let s = text.slice(pos + 3, end);
        pos = end + 3;
        if (s.startsWith('\n')) s = s.slice(1);
        return q === '"""' ? unescapeBasic(s) : s;
      }
    }
    const q = text[pos]!;
    let end = pos + 1;
    while (end < text.length && text[end] !== q) end += q === '"' && text[end] === '\\' ? 2 : 1;
    if (end >= text.length) fail('unterminated string');
    const s = text.slice(pos + 1, end);
    pos = end + 1;
    return q === '"' ? unescapeBasic(s) : s;
  };

  const readValue = (): TomlValue => {
    const ch = text[pos];
    if (ch === "'" || ch === '"') return readString();
    if (ch === '[') {
      pos++;
      const items: TomlValue[] = [];
      for (;;) {
        skipSpace(true);
        if (text[pos] === ']') { pos++; return items; }
        items.push(readValue());
        skipSpace(true);
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ']') fail('expected , or ]');
      }
    }
    const m = /^(true|false|[+-]?\d+(?:\.\d+)?)/.exec(text.slice(pos, pos + 40));
    if (!m) return fail('unsupported value');
    pos += m[0].length;
    return m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]);
  };

  const table = (path: string[], arrayItem: boolean): TomlTable => {
    let t = root;
    path.forEach((key, i) => {
      const last = i === path.length - 1;
      let next = t[key];
      if (last && arrayItem) {
        if (next === undefined) t[key] = next = [];
        if (!Array.isArray(next)) fail(`${key} is not an array of tables`);
        const fresh: TomlTable = {};
        (next as TomlValue[]).push(fresh);
        t = fresh;
        return;
      }
      if (next === undefined) t[key] = next = {};
      // a dotted header walks into the latest element of an array of tables
      t = (Array.isArray(next) ? next[next.length - 1] : next) as TomlTable;
    });
    return t;
  };

  for (;;) {
    skipSpace(true);
    if (pos >= text.length) return root;
    const header = /^\[(\[)?([A-Za-z0-9_.]+)\]\]?/.exec(text.slice(pos, pos + 200));
    if (header) {
      pos += header[0].length;
      current = table(header[2]!.split('.'), header[1] === '[');
      continue;
    }
    const key = /^([A-Za-z0-9_-]+)[ \t]*=[ \t]*/.exec(text.slice(pos, pos + 200));
    if (!key) fail('expected key');
    pos += key![0].length;
    current[key![1]!] = readValue();
  }
}

function unescapeBasic(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' } as Record<string, string>)[e] ?? e;
  });
}
