/**
 * The walker for folders that are not git work trees: `.gitignore` files honoured (per
 * folder, `!` negation, `/` anchoring, trailing `/` for folders, `*`, `?`, `**`), `.git`
 * skipped, symlinks not followed. In a work tree git itself lists the files (files.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface IgnoreRule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += /[.+^${}()|[\]]/.test(c) ? `\\${c}` : c;
  }
  return out;
}

export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    line = line.replace(/(?<!\\)\s+$/, '');
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    if (!line) continue;
    // A pattern with a slash (other than at its end) is relative to its .gitignore's folder.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    rules.push({ re: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${globToRegExp(line)}$`), negate, dirOnly });
  }
  return rules;
}

function ignored(layers: { base: string; rules: IgnoreRule[] }[], rel: string, isDir: boolean): boolean {
  let result = false;
  for (const l of layers) {
    if (l.base && !rel.startsWith(`${l.base}/`)) continue;
    const sub = l.base ? rel.slice(l.base.length + 1) : rel;
    for (const r of l.rules) if ((!r.dirOnly || isDir) && r.re.test(sub)) result = !r.negate;
  }
  return result;
}

/** Yields `/`-separated paths relative to `root` of files not ignored, at most `max`. */
export function* walkIgnoring(root: string, max: number): Generator<string> {
  let count = 0;
  const stack: { rel: string; layers: { base: string; rules: IgnoreRule[] }[] }[] = [{ rel: '', layers: [] }];
  while (stack.length) {
    const { rel, layers: parent } = stack.pop()!;
    const abs = rel ? join(root, rel) : root;
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      continue;
    }
    let layers = parent;
    if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
      try {
        layers = [...parent, { base: rel, rules: parseGitignore(readFileSync(join(abs, '.gitignore'), 'utf8')) }];
      } catch {
        // unreadable: nothing more ignored
      }
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git' && !ignored(layers, r, true)) stack.push({ rel: r, layers });
      } else if (e.isFile() && !ignored(layers, r, false)) {
        yield r;
        if (++count >= max) return;
      }
    }
  }
}
