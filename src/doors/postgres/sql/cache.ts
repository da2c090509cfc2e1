/**
 * A size-bounded least-recently-used map, bounded by entries and by the total length of
 * its keys (the SQL texts), so neither many small nor few huge statements grow it unbounded.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private keyChars = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxKeyChars: number,
  ) {
    if (maxEntries < 1 || maxKeyChars < 1) throw new RangeError('BoundedCache needs room for at least one entry');
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: Map keeps insertion order, so the first key is the least recently used.
    // Not while under half full (two hash operations per hit, on the door's hot path): nothing
    // is evicted before the cache fills, and from half full on a hot entry moves up at its next hit.
    if (this.map.size > this.maxEntries >>> 1 || this.keyChars > this.maxKeyChars >>> 1) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxKeyChars) return;
    if (this.map.delete(key)) this.keyChars -= key.length;
    this.map.set(key, value);
    this.keyChars += key.length;
    while (this.map.size > this.maxEntries || this.keyChars > this.maxKeyChars) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.keyChars -= oldest.length;
    }
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.keyChars -= key.length;
  }

  clear(): void {
    this.map.clear();
    this.keyChars = 0;
  }
}
