/**
 * The secrets, PII and custom-pattern guards (src/guards/detector-set.ts) over an MCP value:
 * a tool call's arguments before it runs, and its result before the agent (and through it
 * the LLM provider) sees it. Every string in the value is scanned, keys too; a `reject`
 * finding refuses, a `redact` one is masked in a copy, a `log` one is only recorded.
 */
import { WardenError } from '../../core/errors.js';
import type { GuardsConfig } from '../../guards/config.js';
import type { DetectorSource } from '../../guards/detector-set.js';
import type { Finding } from '../../guards/detectors/types.js';
import { applyRedactions } from '../../guards/redact/apply.js';
import { CHUNK_CHARS, SliceClock, detectInWindows } from '../../guards/scan-slices.js';

export interface ValueGuardOutcome<T> {
  value: T;
  changed: boolean;
  /** `detector:rule`, each once (never the text). */
  findings: string[];
  counts: Map<string, number>;
  /** false when nothing was scanned (no detectors, or the consumer is exempt). */
  scanned: boolean;
}

/** Values nest at most this deep (beyond it the value is refused: nothing unscanned passes). */
const MAX_DEPTH = 64;

/** Thrown by the synchronous pass when a text needs windows or the slice has used its time. */
const NEEDS_ASYNC = Symbol('needs-async');

/**
 * The common value (small strings, scanned within one slice) is walked synchronously: an
 * await per string and per key cost a promise and a microtask each, most of a small call's
 * allocations. A value that needs windows or outlasts a slice is walked again from the
 * start by the asynchronous pass, which yields; the synchronous one has run for at most a
 * slice then (its clock is checked before every string), and its findings are discarded.
 */
export async function guardValue<T>(value: T, sources: readonly DetectorSource[], cfg: GuardsConfig, consumer: string, what: 'arguments' | 'result'): Promise<ValueGuardOutcome<T>> {
  const exempt = cfg.consumers[consumer]?.exempt === true;
  if (!sources.length || exempt) return { value, changed: false, findings: [], counts: new Map(), scanned: false };
  const clock = new SliceClock();
  try {
    return guardPass(value, sources, cfg, consumer, what, clock, undefined) as ValueGuardOutcome<T>;
  } catch (e) {
    if (e !== NEEDS_ASYNC) throw e;
  }
  return guardPass(value, sources, cfg, consumer, what, clock, true);
}

function guardPass<T>(value: T, sources: readonly DetectorSource[], cfg: GuardsConfig, consumer: string, what: 'arguments' | 'result', clock: SliceClock, async: undefined): ValueGuardOutcome<T>;
function guardPass<T>(value: T, sources: readonly DetectorSource[], cfg: GuardsConfig, consumer: string, what: 'arguments' | 'result', clock: SliceClock, async: true): Promise<ValueGuardOutcome<T>>;
function guardPass<T>(value: T, sources: readonly DetectorSource[], cfg: GuardsConfig, consumer: string, what: 'arguments' | 'result', clock: SliceClock, async: true | undefined): ValueGuardOutcome<T> | Promise<ValueGuardOutcome<T>> {
  const out: ValueGuardOutcome<T> = { value, changed: false, findings: [], counts: new Map(), scanned: true };
  const seen = new Set<string>();

  /** What the findings in one text mean: a refusal (thrown), the text redacted, or the text as it was. */
  const settle = (text: string, found: Finding[]): string => {
    if (!found.length) return text;
    const redact: Finding[] = [];
    for (const f of found) {
      const source = sources.find((s) => s.detector.id === f.detector)!;
      const base = source.perRule?.get(f.rule) ?? source;
      const action = cfg.consumers[consumer]?.[f.detector as 'secrets' | 'pii' | 'patterns'] ?? base.action;
      const id = `${f.detector}:${f.rule}`;
      if (action === 'reject') {
        throw new WardenError('WARDEN_E_GUARD_REJECTED', base.message ?? `the tool ${what} carry a ${f.detector === 'secrets' ? 'secret' : f.detector} (${f.rule})`, { status: base.status, rule: `guard.${id}` });
      }
      if (!seen.has(id)) (seen.add(id), out.findings.push(id));
      out.counts.set(f.detector, (out.counts.get(f.detector) ?? 0) + 1);
      if (action === 'redact') redact.push(f);
    }
    if (!redact.length) return text;
    out.changed = true;
    return applyRedactions(text, redact, cfg.mask);
  };

  const scanSync = (text: string): string => {
    if (text.length > CHUNK_CHARS || clock.due()) throw NEEDS_ASYNC;
    const found: Finding[] = [];
    for (const s of sources) for (const f of s.detector.detect(text)) found.push(f);
    return settle(text, found);
  };

  const scanAsync = async (text: string): Promise<string> => {
    if (clock.due()) await clock.yield();
    const found: Finding[] = [];
    for (const s of sources) {
      if (text.length <= CHUNK_CHARS) for (const f of s.detector.detect(text)) found.push(f);
      else await detectInWindows(s.detector, text, clock, found);
    }
    return settle(text, found);
  };

  const checkDepth = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new WardenError('WARDEN_E_MCP_ARGUMENT_REFUSED', `the tool ${what} nest deeper than ${MAX_DEPTH} levels`, { rule: 'mcp.guard.depth' });
  };

  const walkSync = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scanSync(v);
    if (v === null || typeof v !== 'object') return v;
    checkDepth(depth);
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const next = walkSync(v[i], depth + 1);
        if (next !== v[i]) (copy ??= v.slice())[i] = next;
      }
      return copy ?? v;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const nk = scanSync(k);
      const nv = walkSync(obj[k], depth + 1);
      if (nk !== k || nv !== obj[k]) {
        copy ??= { ...obj };
        if (nk !== k) delete copy[k];
        copy[nk] = nv;
      }
    }
    return copy ?? v;
  };

  const walkAsync = async (v: unknown, depth: number): Promise<unknown> => {
    if (typeof v === 'string') return scanAsync(v);
    if (v === null || typeof v !== 'object') return v;
    checkDepth(depth);
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const next = await walkAsync(v[i], depth + 1);
        if (next !== v[i]) (copy ??= v.slice())[i] = next;
      }
      return copy ?? v;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const nk = await scanAsync(k);
      const nv = await walkAsync(obj[k], depth + 1);
      if (nk !== k || nv !== obj[k]) {
        copy ??= { ...obj };
        if (nk !== k) delete copy[k];
        copy[nk] = nv;
      }
    }
    return copy ?? v;
  };

  if (!async) {
    out.value = walkSync(value, 0) as T;
    return out;
  }
  return walkAsync(value, 0).then((v) => ((out.value = v as T), out));
}
