import type { Detector, Finding } from '../types.js';
import { decodeBase64Runs, findEncodedRuns } from './base64.js';
import { mapBack, type Decoded } from './decoded.js';
import { decodeEscapedLines } from './escapes.js';
import { decodeHexRuns } from './hex.js';
import { decodeJoinedLiterals } from './joined.js';
import { decodePercentRuns } from './percent.js';

export interface DecodingOptions {
  /** Layers of encoding undone (base64 of a JSON string with escapes is two). */
  maxDepth?: number;
  /** Decoded code units scanned per call, as a multiple of the text's length: bounds the work. */
  budgetFactor?: number;
  /** Share of printable characters a base64/hex run must decode to, to count as text. */
  minPrintable?: number;
}

export const DECODING_DEFAULTS = { maxDepth: 3, budgetFactor: 2, minPrintable: 0.85 } as const;

interface Layer {
  decoded: Decoded;
  /** Outer layers, innermost first: a finding maps back through each. */
  parents: readonly Decoded[];
}

/** Every decoding of a text, one layer deep. */
export function decodeOnce(text: string, minPrintable: number): Decoded[] {
  const runs = findEncodedRuns(text);
  return [
    ...decodeBase64Runs(text, minPrintable, runs),
    ...decodeHexRuns(text, minPrintable, runs),
    ...decodePercentRuns(text),
    ...decodeEscapedLines(text),
    ...decodeJoinedLiterals(text),
  ];
}

/** One depth of decodings, joined for one detector call (see detectBatched). */
interface Batch {
  layers: Layer[];
  joined: string;
  /** Offset of each layer's text in `joined`. */
  starts: number[];
}

/**
 * The decoding layer in front of the detectors: each runs on the text as it is and on every
 * encoded span in it (base64, hex, percent-encoding, string escapes, split literals), layer by
 * layer up to `maxDepth`; a finding in decoded text is reported on the encoded span it came
 * from, which is what gets redacted. Work is bounded by `budgetFactor` × the text's length.
 *
 * The decodings do not depend on the detector, so one layer serves all of a config's detectors
 * (`wrap` each): the last text's decodings are kept until every wrapped detector has seen it or
 * another text comes, and the guards call their detectors one after the other on each text.
 */
export class DecodingLayer {
  private readonly maxDepth: number;
  private readonly budgetFactor: number;
  private readonly minPrintable: number;
  private wrapped = 0;
  private lastText: string | undefined;
  private lastPlan: Batch[] = [];
  private uses = 0;
  /** Texts decoded so far (one per text, however many detectors read it): for tests and profiles. */
  decodedTexts = 0;

  constructor(opts: DecodingOptions = {}) {
    ({ maxDepth: this.maxDepth, budgetFactor: this.budgetFactor, minPrintable: this.minPrintable } = { ...DECODING_DEFAULTS, ...opts });
  }

  wrap(inner: Detector): Detector {
    this.wrapped++;
    return {
      id: inner.id,
      maxMatchLength: inner.maxMatchLength,
      // Streams hold text where a long match may be starting: the inner detector knows where.
      ...(inner.openMatches ? { openMatches: inner.openMatches.bind(inner) } : {}),
      detect: (text: string): Finding[] => {
        const findings = inner.detect(text);
        for (const b of this.plan(text)) detectBatched(inner, b, findings);
        return dedupe(findings);
      },
    };
  }

  /** The decodings of a text, depth by depth, within the budget: shared by the wrapped detectors. */
  private plan(text: string): Batch[] {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastPlan = this.decodeAll(text);
      this.uses = 0;
      this.decodedTexts++;
    }
    const plan = this.lastPlan;
    if (++this.uses >= this.wrapped) {
      // Every detector has had it: hold no text longer than needed.
      this.lastText = undefined;
      this.lastPlan = [];
    }
    return plan;
  }

  private decodeAll(text: string): Batch[] {
    const plan: Batch[] = [];
    let budget = Math.max(4096, text.length * this.budgetFactor);
    let layer: Layer[] = decodeOnce(text, this.minPrintable).map((decoded) => ({ decoded, parents: [] }));
    for (let depth = 1; depth <= this.maxDepth && layer.length && budget > 0; depth++) {
      const scanned: Layer[] = [];
      for (const l of layer) {
        if (l.decoded.text.length > budget) continue;
        budget -= l.decoded.text.length;
        scanned.push(l);
      }
      if (scanned.length) plan.push(batch(scanned));
      const next: Layer[] = [];
      if (depth < this.maxDepth) {
        for (const l of scanned) {
          const chain = [l.decoded, ...l.parents];
          for (const d of decodeOnce(l.decoded.text, this.minPrintable)) next.push({ decoded: d, parents: chain });
        }
      }
      layer = next;
    }
    return plan;
  }
}

/** One detector wrapped in a layer of its own; a config's detectors share one (DecodingLayer). */
export function withDecoding(inner: Detector, opts: DecodingOptions = {}): Detector {
  return new DecodingLayer(opts).wrap(inner);
}

/** Between batched pieces: a NUL no rule's separator class accepts, so no match bridges two. */
const SEPARATOR = '\n\u0000\n';

/**
 * The pieces of one depth joined by a separator, for one detector call per depth (a detector
 * call has a fixed cost, and source code yields thousands of small escaped lines).
 */
function batch(layers: Layer[]): Batch {
  const starts: number[] = [];
  let at = 0;
  for (const l of layers) {
    starts.push(at);
    at += l.decoded.text.length + SEPARATOR.length;
  }
  return { layers, starts, joined: layers.map((l) => l.decoded.text).join(SEPARATOR) };
}

/** A detector over a batch: a finding is kept within its piece and mapped back through it. */
function detectBatched(inner: Detector, b: Batch, out: Finding[]): void {
  const { layers, starts } = b;
  for (const f of inner.detect(b.joined)) {
    // The piece holding the finding's start (binary search over the piece offsets).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= f.start) lo = mid;
      else hi = mid - 1;
    }
    const l = layers[lo]!;
    const base = starts[lo]!;
    const start = f.start - base;
    const end = f.end - base;
    // A match across the separator joins two unrelated decodings: not a finding of either.
    if (end > l.decoded.text.length) continue;
    out.push(mapFinding({ ...f, start, end }, l));
  }
}

function mapFinding(f: Finding, l: Layer): Finding {
  let [start, end] = mapBack(l.decoded, f.start, f.end);
  for (const p of l.parents) [start, end] = mapBack(p, start, end);
  return { ...f, start, end };
}

/** One finding per span and rule; a decoded finding that only repeats a plain one is dropped. */
function dedupe(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  findings.sort((a, b) => a.start - b.start || b.end - a.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const out: Finding[] = [];
  for (const f of findings) {
    const last = out[out.length - 1];
    if (last && last.rule === f.rule && last.start <= f.start && f.end <= last.end) continue;
    out.push(f);
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
