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
}

/** Values nest at most this deep (beyond it the value is refused: nothing unscanned passes). */
const MAX_DEPTH = 64;

export async function guardValue<T>(value: T, sources: readonly DetectorSource[], cfg: GuardsConfig, consumer: string, what: 'arguments' | 'result'): Promise<ValueGuardOutcome<T>> {
  const out: ValueGuardOutcome<T> = { value, changed: false, findings: [], counts: new Map() };
  const exempt = cfg.consumers[consumer]?.exempt === true;
  if (!sources.length || exempt) return out;
  const clock = new SliceClock();
  const seen = new Set<string>();

  const scanText = async (text: string): Promise<string> => {
    if (clock.due()) await clock.yield();
    const found: Finding[] = [];
    for (const s of sources) {
      if (text.length <= CHUNK_CHARS) found.push(...s.detector.detect(text));
      else await detectInWindows(s.detector, text, clock, found);
    }
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

  const walk = async (v: unknown, depth: number): Promise<unknown> => {
    if (typeof v === 'string') return scanText(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) throw new WardenError('WARDEN_E_MCP_ARGUMENT_REFUSED', `the tool ${what} nest deeper than ${MAX_DEPTH} levels`, { rule: 'mcp.guard.depth' });
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const next = await walk(v[i], depth + 1);
        if (next !== v[i]) (copy ??= v.slice())[i] = next;
      }
      return copy ?? v;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const nk = await scanText(k);
      const nv = await walk(obj[k], depth + 1);
      if (nk !== k || nv !== obj[k]) {
        copy ??= { ...obj };
        if (nk !== k) delete copy[k];
        copy[nk] = nv;
      }
    }
    return copy ?? v;
  };

  out.value = (await walk(value, 0)) as T;
  return out;
}
