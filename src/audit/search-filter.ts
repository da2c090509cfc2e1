/** Compiles a search filter once into a cheap pre-test on the raw line and an exact test on the record. */
import type { AuditRecord, ChainedRecord } from './types.js';

export interface AuditFilter {
  consumer?: string;
  keyId?: string;
  sessionId?: string;
  model?: string;
  door?: string;
  decision?: AuditRecord['decision'];
  status?: number;
  since?: Date;
  until?: Date;
  /** Case-insensitive substring of any text field (route, rule, reason, tools, bodies, …). */
  text?: string;
}

export interface CompiledFilter {
  /** False means the line cannot match (no parse needed); true means parse and run `full`. */
  quick(line: string): boolean;
  full(r: ChainedRecord): boolean;
}

const EXACT: Array<[keyof AuditFilter, keyof AuditRecord]> = [
  ['consumer', 'consumer'],
  ['keyId', 'key_id'],
  ['sessionId', 'session_id'],
  ['model', 'model'],
  ['door', 'door'],
  ['decision', 'decision'],
];

export function compileFilter(f: AuditFilter): CompiledFilter {
  const exact: Array<[keyof AuditRecord, string]> = [];
  // The writer serialises with JSON.stringify in a fixed form, so a matching record
  // contains exactly this member text; the full test then rules out look-alikes inside other values.
  const needles: string[] = [];
  for (const [fk, rk] of EXACT) {
    const v = f[fk];
    if (typeof v === 'string') {
      exact.push([rk, v]);
      needles.push(`"${rk}":${JSON.stringify(v)}`);
    }
  }
  if (f.status !== undefined) needles.push(`"status":${f.status},`);
  const since = f.since?.getTime();
  const until = f.until?.getTime();
  const text = f.text?.toLowerCase();
  const textNeedle = f.text === undefined ? undefined : JSON.stringify(f.text).slice(1, -1).toLowerCase();

  return {
    quick(line) {
      for (const n of needles) if (!line.includes(n)) return false;
      return textNeedle === undefined || line.toLowerCase().includes(textNeedle);
    },
    full(r) {
      for (const [k, v] of exact) if (r[k] !== v) return false;
      if (f.status !== undefined && r.status !== f.status) return false;
      if (since !== undefined || until !== undefined) {
        const t = Date.parse(r.time);
        if (Number.isNaN(t) || (since !== undefined && t < since) || (until !== undefined && t > until)) return false;
      }
      return text === undefined || textFields(r).some((s) => s.toLowerCase().includes(text));
    },
  };
}

function textFields(r: ChainedRecord): string[] {
  const out: string[] = [];
  for (const v of [r.request_id, r.door, r.method, r.route, r.consumer, r.key_id, r.session_id, r.model, r.provider, r.decision, r.rule, r.reason, r.error_code]) {
    if (typeof v === 'string') out.push(v);
  }
  if (Array.isArray(r.tools)) for (const t of r.tools) if (typeof t === 'string') out.push(t);
  if (r.bodies?.request) out.push(r.bodies.request);
  if (r.bodies?.response) out.push(r.bodies.response);
  return out;
}
