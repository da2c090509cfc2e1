/** One human-readable line per record or problem, for the CLI. */
import type { ChainedRecord } from './types.js';
import type { AuditProblem } from './verify-chain.js';

/** Control characters would let a logged value forge lines or terminal escapes in the output — threat: log injection. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function renderRecord(r: ChainedRecord): string {
  const parts = [r.time, `#${r.seq}`, r.door, r.method, r.route, r.decision, String(r.status)];
  if (r.consumer) parts.push(`consumer=${r.consumer}`);
  if (r.key_id) parts.push(`key=${r.key_id}`);
  if (r.issuer) parts.push(`oidc=${r.subject ?? ''}@${r.issuer}`);
  if (r.session_id) parts.push(`session=${r.session_id}`);
  if (r.model) parts.push(`model=${r.model}`);
  if (r.tokens_in || r.tokens_out) parts.push(`tokens=${r.tokens_in}/${r.tokens_out}`);
  if (r.cost_usd) parts.push(`cost=$${+r.cost_usd.toFixed(6)}`);
  parts.push(`${r.latency_ms}ms`);
  if (r.rule) parts.push(`rule=${r.rule}`);
  if (r.error_code) parts.push(`error=${r.error_code}`);
  if (r.tools?.length) parts.push(`tools=${r.tools.join(',')}`);
  if (r.client_aborted) parts.push('client-aborted');
  if (r.reason) parts.push(`reason=${JSON.stringify(r.reason)}`);
  return clean(parts.join(' '));
}

export function renderProblem(p: AuditProblem): string {
  const seq = p.seq === undefined ? '' : ` seq ${p.seq}`;
  return clean(`${p.file}:${p.line}${seq} ${p.kind}: ${p.detail}`);
}
