import { WardenError } from '../core/errors.js';
import type { GuardAction, GuardsConfig } from './config.js';
import { createPatternDetector } from './detectors/patterns/index.js';
import { buildDetectorSources, type DetectorSource } from './detector-set.js';
import type { Detector, Finding } from './detectors/types.js';
import { applyRedactions } from './redact/apply.js';
import { promptTexts, RequestTexts } from './request-texts.js';
import { CHUNK_CHARS, SliceClock, detectInWindows } from './scan-slices.js';

export interface GuardOutcome {
  /** true when a redaction changed the body: the caller re-serialises it. */
  changed: boolean;
  /** `detector:rule` of the findings acted on, each once, for the audit record (never the text). */
  findings: string[];
  /** How many findings each detector had, for the metrics (a hostile body can have millions). */
  counts: Map<string, number>;
  action: 'redact' | 'log' | 'none';
}

type Source = DetectorSource;

/**
 * Cached texts are held as keys; the bound is on the bytes they take in V8's heap (one per
 * character of a Latin-1 text, two otherwise). 16 MiB holds the conversations of dozens of
 * long agent sessions; a text evicted is scanned again the next time it is sent.
 */
export const CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** What an entry costs beyond its text (its key, record and slots), so a body of millions of tiny strings stays bounded too. */
const CACHE_ENTRY_BYTES = 160;
const WIDE = /[^\u0000-\u00ff]/;
/** A text's cost against CACHE_MAX_BYTES. */
const entryBytes = (text: string): number => text.length * (WIDE.test(text) ? 2 : 1) + CACHE_ENTRY_BYTES;

/**
 * The cache's key for a text: its length and 16 characters at each end (the text itself when
 * short). Hashing a whole text costs several times more than comparing it with the one cached
 * under the same key, and every text of every turn is looked up: keying by the whole text
 * made a long session's turns cost in proportion to the conversation, not to its new blocks.
 */
const shapeKey = (text: string): string => (text.length <= 48 ? text : `${text.length}:${text.slice(0, 16)}${text.slice(-16)}`);
/** Texts kept per key at most; more of the same shape (a crafted body) are scanned each time instead. */
const BUCKET_MAX = 4;

interface CacheEntry {
  key: string;
  text: string;
  found: Finding[];
  cost: number;
}

/**
 * The request guard of the LLM door. Agents resend the whole conversation every turn, so
 * findings are cached per text: each turn pays only for its new blocks.
 */
export class RequestGuard {
  private readonly sources: Source[];
  private readonly detectors: readonly Detector[];
  private prompt: Detector | undefined;
  private promptRules = new Map<string, { message: string; status: number }>();
  /** Entries by shapeKey; a hit is a text equal in full to one of its key's. */
  private cache = new Map<string, CacheEntry[]>();
  private entries = 0;
  /** Characters actually run through the detectors (cache misses): what the per-text cache saves shows here. */
  scanned = 0;
  /** Inspections under way: more than one means the scans are interleaving on the event loop. */
  inProgress = 0;
  /** Times a scan gave the event loop back (scan-slices.ts). */
  yields = 0;
  private cacheBytes = 0;
  /** The cache's entries in insertion order, from `head` on (evicted slots are cleared: the queue must not keep them alive). */
  private order: (CacheEntry | undefined)[] = [];
  private head = 0;

  /** `sources`: the config's detectors when already built (shared with the response guard). */
  constructor(private readonly cfg: GuardsConfig, sources: DetectorSource[] = buildDetectorSources(cfg)) {
    this.sources = sources;
    this.detectors = sources.map((s) => s.detector);
    if (cfg.prompt_guard.length) {
      this.prompt = createPatternDetector(cfg.prompt_guard.map(({ id, regex, flags }) => ({ id, regex, flags })));
      for (const p of cfg.prompt_guard) this.promptRules.set(p.id, { message: p.message, status: p.status });
    }
  }

  get active(): boolean {
    return this.sources.length > 0 || this.prompt !== undefined;
  }

  /** Cached findings, or the scan of a short text (long ones go through scanLong). */
  private cached(text: string): Finding[] | undefined {
    const hit = this.lookup(text);
    if (hit || text.length > CHUNK_CHARS) return hit;
    this.scanned += text.length;
    const found: Finding[] = [];
    for (const s of this.sources) for (const f of s.detector.detect(text)) found.push(f);
    return this.remember(text, found);
  }

  private async scanLong(text: string, clock: SliceClock): Promise<Finding[]> {
    this.scanned += text.length;
    const found: Finding[] = [];
    await detectInWindows(this.detectors, text, clock, found);
    return this.remember(text, found);
  }

  private lookup(text: string): Finding[] | undefined {
    const bucket = this.cache.get(shapeKey(text));
    if (bucket) for (const e of bucket) if (e.text === text) return e.found;
    return undefined;
  }

  private remember(text: string, found: Finding[]): Finding[] {
    const key = shapeKey(text);
    let bucket = this.cache.get(key);
    // Already there: two requests scanned the same long text at once.
    if (bucket && (bucket.length >= BUCKET_MAX || bucket.some((e) => e.text === text))) return found;
    const cost = entryBytes(text);
    if (cost > CACHE_MAX_BYTES) return found;
    // Oldest first from a queue of our own: `cache.keys().next()` skips every entry deleted
    // since the Map last rehashed, which made eviction quadratic on bodies of many small texts.
    while (this.cacheBytes + cost > CACHE_MAX_BYTES) {
      const oldest = this.order[this.head]!;
      // Cleared, not just passed: until the queue is compacted, its slot would keep the text alive.
      this.order[this.head++] = undefined;
      const b = this.cache.get(oldest.key)!;
      if (b.length === 1) this.cache.delete(oldest.key);
      else b.splice(b.indexOf(oldest), 1);
      this.cacheBytes -= oldest.cost;
      this.entries--;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    const entry: CacheEntry = { key, text, found, cost };
    bucket = this.cache.get(key);
    if (bucket) bucket.push(entry);
    else this.cache.set(key, [entry]);
    this.order.push(entry);
    this.cacheBytes += cost;
    this.entries++;
    return found;
  }

  /** What the per-text cache holds (entries, bytes as counted against CACHE_MAX_BYTES), for tests of its bound. */
  get cacheFootprint(): { entries: number; bytes: number } {
    return { entries: this.entries, bytes: this.cacheBytes };
  }

  /** Whether a detector (`secrets`, `pii`, `patterns`) is on, so a policy's redact outcome can be carried out. */
  has(detector: string): boolean {
    return this.sources.some((s) => s.detector.id === detector);
  }

  private decide(f: Finding, consumer: string, forceRedact: ReadonlySet<string> | undefined): { action: GuardAction; message: string | undefined; status: number } {
    const source = this.sources.find((s) => s.detector.id === f.detector)!;
    const base = source.perRule?.get(f.rule) ?? source;
    const override = this.cfg.consumers[consumer]?.[f.detector as 'secrets' | 'pii' | 'patterns'];
    let action = override ?? base.action;
    // A policy's redact outcome may tighten log to redact, never loosen reject.
    if (action === 'log' && forceRedact?.has(f.detector)) action = 'redact';
    return { action, message: base.message, status: base.status };
  }

  /**
   * Scans every text of the request (request-texts.ts says which); throws
   * WARDEN_E_GUARD_REJECTED or redacts in place. Gives the event loop back between slices
   * (scan-slices.ts), so a huge body never stalls other requests.
   * `forceRedact` names detectors a policy decision requires to redact (they apply even to exempt consumers).
   */
  async inspect(body: Record<string, unknown>, consumer: string, forceRedact?: ReadonlySet<string>): Promise<GuardOutcome> {
    const outcome: GuardOutcome = { changed: false, findings: [], counts: new Map(), action: 'none' };
    const exempt = this.cfg.consumers[consumer]?.exempt === true;
    if (exempt && !forceRedact?.size) return outcome;
    const clock = new SliceClock();
    this.inProgress++;
    try {
      if (this.prompt && !exempt) await this.checkPrompt(body, clock);
      if (this.sources.length > 0) await this.scan(body, consumer, exempt, forceRedact, clock, outcome);
    } finally {
      this.inProgress--;
      this.yields += clock.yields;
    }
    return outcome;
  }

  private async scan(body: Record<string, unknown>, consumer: string, exempt: boolean, forceRedact: ReadonlySet<string> | undefined, clock: SliceClock, outcome: GuardOutcome): Promise<void> {
    const texts = new RequestTexts(body);
    const seen = new Set<string>();
    while (texts.next()) {
      if (clock.due()) await clock.yield();
      const text = texts.text;
      const found = this.cached(text) ?? (await this.scanLong(text, clock));
      if (!found.length) continue;
      const redact: Finding[] = [];
      for (const f of found) {
        if (exempt && !forceRedact!.has(f.detector)) continue;
        const d = this.decide(f, consumer, forceRedact);
        const id = `${f.detector}:${f.rule}`;
        if (d.action === 'reject') {
          throw new WardenError('WARDEN_E_GUARD_REJECTED', d.message ?? `the request carries a ${f.detector === 'secrets' ? 'secret' : f.detector} (${f.rule}); remove it and try again`, { status: d.status, rule: `guard.${id}` });
        }
        if (!seen.has(id)) {
          seen.add(id);
          outcome.findings.push(id);
        }
        outcome.counts.set(f.detector, (outcome.counts.get(f.detector) ?? 0) + 1);
        if (d.action === 'redact') redact.push(f);
        else if (outcome.action === 'none') outcome.action = 'log';
      }
      if (redact.length) {
        texts.replace(applyRedactions(text, redact, this.cfg.mask));
        outcome.changed = true;
        outcome.action = 'redact';
      }
    }
    texts.finish();
  }

  private async checkPrompt(body: Record<string, unknown>, clock: SliceClock): Promise<void> {
    for (const text of promptTexts(body)) {
      if (clock.due()) await clock.yield();
      let hit: Finding | undefined;
      if (text.length <= CHUNK_CHARS) hit = this.prompt!.detect(text)[0];
      else {
        const found: Finding[] = [];
        await detectInWindows(this.prompt!, text, clock, found);
        hit = found[0];
      }
      if (hit) {
        const r = this.promptRules.get(hit.rule)!;
        throw new WardenError('WARDEN_E_GUARD_REJECTED', r.message, { status: r.status, rule: `guard.prompt:${hit.rule}` });
      }
    }
  }
}
