/**
 * A classifier with a cache by exact SQL text: with `pgbench -M simple` every literal
 * differs, but drivers and agents repeat their statements, and a hit skips the parse.
 */
import { BoundedCache } from './cache.js';
import { classifySql, DEFAULT_MAX_SQL_BYTES, type ClassifiedSql } from './classify.js';

export interface SqlClassifierOptions {
  maxBytes?: number;
  /** Cached texts; default 10,000. */
  cacheEntries?: number;
  /** Total characters of cached texts; default 8 MiB. */
  cacheChars?: number;
}

export class SqlClassifier {
  readonly maxBytes: number;
  readonly cache: BoundedCache<ClassifiedSql>;

  constructor(opts: SqlClassifierOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_SQL_BYTES;
    this.cache = new BoundedCache(opts.cacheEntries ?? 10_000, opts.cacheChars ?? 8 * 1024 * 1024);
  }

  /** The classification of `text`, from the cache when the exact text was seen. Results are shared: do not mutate. */
  classify(text: string): ClassifiedSql {
    let c = this.cache.get(text);
    if (c) return c;
    c = classifySql(text, { maxBytes: this.maxBytes });
    this.cache.set(text, c);
    return c;
  }
}
