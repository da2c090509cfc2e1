/**
 * Scanning in slices, so one request's scan never holds the event loop for long: the scan
 * gives the loop back (setImmediate: I/O and timers run) whenever a slice has run for
 * SLICE_MS, and a text longer than CHUNK_CHARS is scanned window by window, so no single
 * detector call outlasts a slice by much. Windows adapt to the text: dense token-shaped text
 * costs ~100× more per character than prose, so each window is sized from how long the last
 * one took. Measured in docs/benchmarks.md ("Event-loop stall").
 */
import type { Detector, Finding } from './detectors/types.js';

/** Time a slice may run before the scan yields. */
export const SLICE_MS = 10;
/** Texts longer than this are scanned window by window; the first window's size. */
export const CHUNK_CHARS = 64 * 1024;
/** Bounds of a window's own chunk: below the minimum the context would cost more than the chunk. */
const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;
/** Time the detectors' calls on one window aim at. */
const WINDOW_MS = 5;
/** Context a window sees before its chunk: lead-ins, `\b`, the start of a line. */
export const LEFT_CONTEXT = 1024;
/**
 * Context after its chunk: a match that starts in the chunk is seen whole if it is at most
 * this long (a PEM RSA-8192 key is ~6.4 KiB; the secret rules' linear window is 8 KiB).
 */
export const RIGHT_CONTEXT = 8 * 1024;

export class SliceClock {
  private started = performance.now();
  /** How many times the scan gave the loop back (tests read it). */
  yields = 0;

  /** true when the current slice has used its time. */
  due(): boolean {
    return performance.now() - this.started >= SLICE_MS;
  }

  async yield(): Promise<void> {
    this.yields++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}

/**
 * Detectors' findings over a long text, window by window, every detector on a window before the
 * next (so a window's decodings, shared by the detectors, are made once), reported detector by
 * detector in the order given. Each window keeps the findings that start in its own chunk, so
 * none is reported twice; a match longer than RIGHT_CONTEXT that straddles a chunk edge can be
 * missed (docs/guards.md).
 */
export async function detectInWindows(detectors: Detector | readonly Detector[], text: string, clock: SliceClock, out: Finding[]): Promise<void> {
  const all = Array.isArray(detectors) ? (detectors as readonly Detector[]) : [detectors as Detector];
  const byDetector: Finding[][] = all.map(() => []);
  const n = text.length;
  let chunk = CHUNK_CHARS;
  for (let cs = 0; cs < n; ) {
    if (clock.due()) await clock.yield();
    const ce = Math.min(n, cs + chunk);
    const from = Math.max(0, cs - LEFT_CONTEXT);
    const to = Math.min(n, ce + RIGHT_CONTEXT);
    const window = text.slice(from, to);
    const t0 = performance.now();
    for (let d = 0; d < all.length; d++) {
      const found = byDetector[d]!;
      for (const f of all[d]!.detect(window)) {
        const start = f.start + from;
        if (start < cs || start >= ce) continue;
        // Each detect() call returns fresh findings: moved in place, not copied (a hostile text has millions).
        f.start = start;
        f.end += from;
        found.push(f);
      }
    }
    const took = performance.now() - t0;
    // At most doubled per window: one fast window (prose before a dense part) must not size the next for prose.
    chunk = Math.round(Math.min(MAX_CHUNK, 2 * chunk, Math.max(MIN_CHUNK, took > 0 ? (chunk * WINDOW_MS) / took : MAX_CHUNK)));
    cs = ce;
  }
  for (const found of byDetector) for (const f of found) out.push(f);
}
