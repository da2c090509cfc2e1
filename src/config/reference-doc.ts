import { z } from 'zod';
import { configSchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) return `map of ${typeOf(s.additionalProperties)}`;
  if (s.anyOf || s.oneOf) return 'one of the variants below';
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

function walk(s: JsonSchema, path: string, rows: string[]): void {
  if (path) {
    const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
    rows.push(`| \`${path}\` | ${typeOf(s)} | ${def} | ${(s.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, path ? `${path}.${k}` : k, rows);
  for (const variant of s.anyOf ?? s.oneOf ?? []) for (const [k, v] of Object.entries(variant.properties ?? {})) walk(v, `${path}.${k}`, rows);
  if (s.type === 'array' && s.items?.properties) for (const [k, v] of Object.entries(s.items.properties)) walk(v, `${path}[].${k}`, rows);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const inner = s.additionalProperties;
    for (const variant of inner.anyOf ?? inner.oneOf ?? (inner.properties ? [inner] : [])) {
      for (const [k, v] of Object.entries(variant.properties ?? {})) walk(v, `${path}.<name>.${k}`, rows);
    }
  }
}

/** The reference table of docs/config.md, generated from the schema so the two cannot drift. */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  walk(schema, '', rows);
  return ['| path | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
