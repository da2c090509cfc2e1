import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainedRecord } from '../../src/audit/types.js';

/** Every audit record in a folder, in chain order (files sorted by name). */
export function readAuditRecords(dir: string): ChainedRecord[] {
  if (!existsSync(dir)) return [];
  const out: ChainedRecord[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.trim()) out.push(JSON.parse(line) as ChainedRecord);
  }
  return out;
}

/** Waits until a record with this request id exists (the audit write precedes the last byte, so this is immediate in practice). */
export async function auditRecordFor(dir: string, requestId: string, timeoutMs = 3000): Promise<ChainedRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = readAuditRecords(dir).find((x) => x.request_id === requestId);
    if (r) return r;
    if (Date.now() > until) throw new Error(`no audit record for ${requestId}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
