/** Glob matching for names such as models: `*` any run of characters, `?` one character. */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const src = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${src}$`);
    if (cache.size > 10_000) cache.clear();
    cache.set(glob, re);
  }
  return re;
}

export function matchesGlob(name: string, glob: string): boolean {
  if (!glob.includes('*') && !glob.includes('?')) return name === glob;
  return globToRegExp(glob).test(name);
}

export function matchesAny(name: string, globs: readonly string[]): boolean {
  for (const g of globs) if (matchesGlob(name, g)) return true;
  return false;
}
