import type { GuardAction, GuardsConfig } from '../config.js';
import { buildDetectorSources, type DetectorSource } from '../detector-set.js';
import type { Detector, Finding } from '../detectors/types.js';
import { applyRedactions } from '../redact/apply.js';
import type { MaskStyle } from '../redact/mask.js';
import { DEFAULT_TOOL_MESSAGE } from './types.js';

export interface RedactorHit {
  finding: Finding;
  /** `detector:rule`, for the audit record. */
  id: string;
  /** false: action log, the text stays as it is. */
  redact: boolean;
}

/** A long match that may have started at `start` and not ended yet (see Detector.openMatches). */
export interface OpenHit {
  start: number;
  truncatedIsSecret: boolean;
  /** What it is once found, with this consumer's action; its finding spans from `start`. */
  hit: RedactorHit;
}

/** The detectors of the response direction with one consumer's actions applied. */
export interface TextRedactor {
  /** Longest span any detector can match, except open matches, for stream hold-back windows. */
  readonly maxMatchLength: number;
  scan(text: string): RedactorHit[];
  /** The first unfinished long match at or after `from` that `want` accepts (see Detector.openMatches). */
  firstOpen(text: string, from: number, want: (o: OpenHit) => boolean, truncatedOnly?: boolean): OpenHit | undefined;
  /** `text` with the given findings masked (the caller picks which). */
  mask(text: string, findings: readonly Finding[]): string;
  /**
   * scan + mask in one go, for whole texts. `context`: text just before it (the previous
   * text block), scanned with it so a secret split across blocks is found; only `text` is
   * masked and returned.
   */
  redact(text: string, context?: string): { text: string; hits: RedactorHit[] };
}

type ActionOf = (f: Finding) => GuardAction;

type Source = DetectorSource;

class Redactor implements TextRedactor {
  readonly maxMatchLength: number;

  constructor(
    private readonly detectors: readonly Detector[],
    private readonly actionOf: ActionOf,
    private readonly style: MaskStyle,
  ) {
    this.maxMatchLength = Math.max(0, ...detectors.map((d) => d.maxMatchLength));
  }

  scan(text: string): RedactorHit[] {
    const hits: RedactorHit[] = [];
    for (const d of this.detectors) {
      for (const f of d.detect(text)) hits.push({ finding: f, id: `${f.detector}:${f.rule}`, redact: this.actionOf(f) !== 'log' });
    }
    return hits;
  }

  firstOpen(text: string, from: number, want: (o: OpenHit) => boolean, truncatedOnly = false): OpenHit | undefined {
    let best: OpenHit | undefined;
    for (const d of this.detectors) {
      if (!d.openMatches) continue;
      for (const o of d.openMatches(text, from, truncatedOnly)) {
        if (best && o.start >= best.start) break;
        const finding: Finding = { detector: d.id, rule: o.rule, start: o.start, end: text.length, confidence: 1 };
        const hit = { start: o.start, truncatedIsSecret: o.truncatedIsSecret, hit: { finding, id: `${d.id}:${o.rule}`, redact: this.actionOf(finding) !== 'log' } };
        if (want(hit)) {
          best = hit;
          break;
        }
      }
    }
    return best;
  }

  mask(text: string, findings: readonly Finding[]): string {
    return applyRedactions(text, findings, this.style);
  }

  /** A whole text: its findings, and a long secret it ends in the middle of (cut off), masked. */
  redact(text: string, context = ''): { text: string; hits: RedactorHit[] } {
    const all = context + text;
    const found = this.scan(all);
    const cutOff = this.firstOpen(all, 0, (o) => o.truncatedIsSecret && o.hit.redact, true);
    if (cutOff) found.push(cutOff.hit);
    const at = context.length;
    const hits = at === 0 ? found : found.filter((h) => h.finding.end > at).map((h) => ({ ...h, finding: { ...h.finding, start: Math.max(0, h.finding.start - at), end: h.finding.end - at } }));
    const masked = hits.filter((h) => h.redact).map((h) => h.finding);
    return { text: masked.length ? this.mask(text, masked) : text, hits };
  }
}

/**
 * Builds the response detectors once per config snapshot (the secret engine is the costly
 * part); `forConsumer` is cheap. An answer cannot be refused once it started, so `reject`
 * redacts here.
 */
export class ResponseGuardFactory {
  private readonly sources: Source[] = [];
  private readonly byConsumer = new Map<string, TextRedactor | null>();
  private readonly fallback: TextRedactor | null;

  /** `shared`: the config's detectors when already built (the request guard's). */
  constructor(private readonly cfg: GuardsConfig, shared?: readonly DetectorSource[]) {
    if (cfg.responses.enabled) this.sources = shared ? [...shared] : buildDetectorSources(cfg);
    this.fallback = this.build(undefined, undefined);
  }

  /** Template of the text that replaces a refused tool_use block. */
  get toolMessage(): string {
    return this.cfg.tool_use?.message ?? DEFAULT_TOOL_MESSAGE;
  }

  /**
   * null: nothing to scan for this consumer (responses off, no detector, or exempt).
   * `forceRedact` names detectors a policy decision requires to redact, as for the request
   * guard: log becomes redact, and they apply even to an exempt consumer.
   */
  forConsumer(name?: string, forceRedact?: ReadonlySet<string>): TextRedactor | null {
    if (forceRedact?.size) return this.build(name, forceRedact);
    if (name === undefined || !Object.hasOwn(this.cfg.consumers, name)) return this.fallback;
    let r = this.byConsumer.get(name);
    if (r === undefined) {
      r = this.build(name, undefined);
      this.byConsumer.set(name, r);
    }
    return r;
  }

  private build(consumer: string | undefined, force: ReadonlySet<string> | undefined): TextRedactor | null {
    const overrides = consumer === undefined || !Object.hasOwn(this.cfg.consumers, consumer) ? undefined : this.cfg.consumers[consumer];
    const sources = overrides?.exempt ? this.sources.filter((s) => force?.has(s.detector.id)) : this.sources;
    if (sources.length === 0) return null;
    const byId = new Map(sources.map((s) => [s.detector.id, s]));
    const actionOf: ActionOf = (f) => {
      const s = byId.get(f.detector)!;
      const action = overrides?.[f.detector as 'secrets' | 'pii' | 'patterns'] ?? s.perRule?.get(f.rule)?.action ?? s.action;
      return action === 'log' && force?.has(f.detector) ? 'redact' : action;
    };
    return new Redactor(sources.map((s) => s.detector), actionOf, this.cfg.mask);
  }
}

/** One-off convenience; build a ResponseGuardFactory per config snapshot on hot paths. */
export function createResponseRedactor(cfg: GuardsConfig, consumerName?: string): TextRedactor | null {
  return new ResponseGuardFactory(cfg).forConsumer(consumerName);
}
