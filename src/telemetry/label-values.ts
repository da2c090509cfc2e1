/**
 * Bounds on metric label values that clients can influence. Every distinct value is a new
 * series kept for the life of the process: a client choosing values freely grows
 * /metrics and memory without end (threat: 300 requests with made-up model names).
 */

/** The value a label takes when its real value is unknown to the config or over the cap. */
export const OTHER_LABEL = 'other';

/** Distinct values a label keeps before the rest become OTHER_LABEL. */
export const MAX_MODEL_LABELS = 100;
export const MAX_CONSUMER_LABELS = 1000;

/**
 * Keeps the first `max` distinct values of a label; later new ones read as OTHER_LABEL.
 * `admit: false` reads a value not seen before as OTHER_LABEL without taking a place.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(readonly max: number) {}

  value(v: string, admit = true): string {
    if (this.seen.has(v)) return v;
    if (!admit || this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(v);
    return v;
  }
}
