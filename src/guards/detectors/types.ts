export interface Finding { detector: string; rule: string; start: number; end: number; /** 0..1 */ confidence: number; }

/** Where a match longer than `maxMatchLength` may have begun without having ended yet. */
export interface OpenMatch {
  rule: string;
  start: number;
  /** The text ending here would leave a cut-off secret (a PEM body without its END line). */
  truncatedIsSecret: boolean;
}

export interface Detector {
  readonly id: string;
  /** Longest span it can match, except the matches `openMatch` reports, for stream hold-back windows. */
  readonly maxMatchLength: number;
  detect(text: string): Finding[];
  /**
   * Streams: the unfinished long matches starting at or after `from`, by start (lazily, so a
   * caller can stop at the first); text from there must be held. `truncatedOnly`: only those
   * whose cut-off prefix is itself a secret.
   */
  openMatches?(text: string, from: number, truncatedOnly?: boolean): Iterable<OpenMatch>;
}
