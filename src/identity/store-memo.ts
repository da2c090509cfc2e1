/**
 * Store reads kept until the store changes: `version()` is the store's change counter (the
 * CLI writing from another process counts), polled on every read, so a revoked key or a
 * changed consumer applies to the next request. Misses are kept too (null).
 */
export class StoreMemo<V> {
  private readonly map = new Map<string, V | null>();
  private version = -1;

  constructor(
    private readonly storeVersion: () => number,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: string, load: () => V | null): V | null {
    const version = this.storeVersion();
    if (version !== this.version) {
      this.map.clear();
      this.version = version;
    }
    let v = this.map.get(key);
    if (v === undefined) {
      v = load();
      if (this.map.size > this.maxEntries) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}
