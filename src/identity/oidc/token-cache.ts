/**
 * Verified tokens by digest until their expiry, bounded: when full, expired entries go
 * first, then the oldest. Keys are digests, so the cache never holds a usable token.
 */
export class TokenCache<V> {
  private readonly map = new Map<string, { value: V; until: number }>();

  constructor(private readonly max: number) {}

  get(digest: string, now: number): V | undefined {
    const e = this.map.get(digest);
    if (!e) return undefined;
    if (e.until <= now) {
      this.map.delete(digest);
      return undefined;
    }
    return e.value;
  }

  set(digest: string, value: V, until: number, now: number): void {
    if (until <= now) return;
    if (this.map.size >= this.max) this.evict(now);
    this.map.set(digest, { value, until });
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }

  private evict(now: number): void {
    for (const [k, e] of this.map) if (e.until <= now) this.map.delete(k);
    // Still full: drop the oldest tenth (Map iterates in insertion order).
    if (this.map.size >= this.max) {
      let n = Math.max(1, Math.floor(this.max / 10));
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--n === 0) break;
      }
    }
  }
}
