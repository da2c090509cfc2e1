/**
 * A classifier with a cache by exact SQL text: drivers and agents repeat their statements,
 * and a hit skips the parse. With `pgbench -M simple` every literal differs: a text whose
 * only constants are integers is classified once per shape (sql/shape.ts).
 */
import { BoundedCache } from './cache.js';
import { classifySql, DEFAULT_MAX_SQL_BYTES, type ClassifiedSql } from './classify.js';
import { fromShape, keyMatchesSkeleton, shapeEntry, shapeOf, skeletonOf, type ShapeEntry } from './shape.js';

export interface SqlClassifierOptions {
  maxBytes?: number;
  /** Cached texts; default 10,000. */
  cacheEntries?: number;
  /** Total characters of cached texts; default 8 MiB. */
  cacheChars?: number;
}

/** Longest text that is looked up by shape (a normalisation is a parse: only worth it for short statements). */
const MAX_SHAPE_CHARS = 2048;

export class SqlClassifier {
  readonly maxBytes: number;
  readonly cache: BoundedCache<ClassifiedSql>;
  /** By skeleton: the entry, or false for a skeleton whose texts take the full parse. */
  readonly shapes: BoundedCache<ShapeEntry | false>;
  /** Texts classified through a shape. */
  shaped = 0;
  constructor(opts: SqlClassifierOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_SQL_BYTES;
    this.cache = new BoundedCache(opts.cacheEntries ?? 10_000, opts.cacheChars ?? 8 * 1024 * 1024);
    this.shapes = new BoundedCache(1000, 1024 * 1024);
  }
  /** The classification of `text`, from the cache when the exact text (or its shape) was seen. Results are shared: do not mutate. */
  classify(text: string): ClassifiedSql {
    const skeleton = text.length <= MAX_SHAPE_CHARS && text.length <= this.maxBytes ? skeletonOf(text) : null;
    const known = skeleton === null ? undefined : this.shapes.get(skeleton);
    if (known) {
      this.shaped++;
      return fromShape(text, known);
    }
    let c = this.cache.get(text);
    if (c) return c;
    c = classifySql(text, { maxBytes: this.maxBytes });
    if (skeleton !== null && known === undefined) {
      const key = shapeOf(text);
      const e = key !== null && keyMatchesSkeleton(key, skeleton) ? shapeEntry(key, c) : null;
      this.shapes.set(skeleton, e ?? false);
    }
    this.cache.set(text, c);
    return c;
  }
}
