/**
 * What makes two requests "the same" for an approval: the facts a policy decides on —
 * door, the rule that asked, route, method, path, query, body, model, tool call, SQL —
 * not headers, time, session or connection. An approval covers exactly those facts.
 */
import { createHash } from 'node:crypto';
import { permissionToolName, queryWithoutCredentials, type DecisionDocument } from '../policy/document.js';

/** JSON with object keys sorted at every depth, so equal facts hash equally. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function decisionFacts(doc: DecisionDocument, rule: string): Record<string, unknown> {
  const r = doc.request;
  return {
    door: doc.door,
    rule,
    route: doc.route?.id ?? null,
    request: r ? { method: r.method, path: r.path, query: queryWithoutCredentials(r.query), body: r.body } : null,
    model: doc.llm?.model ?? null,
    tool: doc.tool ? { name: permissionToolName(doc.tool), arguments: doc.tool.arguments } : null,
    sql: doc.sql,
  };
}

export function fingerprint(doc: DecisionDocument, rule: string): string {
  return createHash('sha256').update(canonicalJson(decisionFacts(doc, rule))).digest('hex');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * One line telling the approver what was asked. Tool arguments and bodies are shown
 * (truncated) because the approver must see what they approve.
 */
export function summarize(doc: DecisionDocument): string {
  const parts: string[] = [doc.door];
  const r = doc.request;
  if (r && doc.door !== 'postgres') parts.push(`${r.method} ${r.path}`);
  if (doc.route) parts.push(`route ${doc.route.id}`);
  if (doc.llm) parts.push(`model ${doc.llm.model}`);
  if (doc.tool) parts.push(`tool ${permissionToolName(doc.tool)} ${clip(canonicalJson(doc.tool.arguments), 300)}`);
  if (doc.sql) parts.push(`sql ${doc.sql.statements.map((s) => `${s.kind}${s.tables.length ? ` ${s.tables.join(',')}` : ''}`).join('; ')}`);
  if (r?.body !== undefined && !doc.tool) parts.push(`body ${clip(typeof r.body === 'string' ? r.body : canonicalJson(r.body), 200)}`);
  return parts.join(' · ');
}
