import { readFileSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

/** A config that failed to load: each problem names its path and what to fix. */
export class ConfigError extends Error {
  readonly code = 'WARDEN_E_CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const REF = /\$\{(env|file):([^}]+)\}/g;

/**
 * Replaces `${env:NAME}` and `${file:PATH}` in every string of the parsed document.
 * Secrets stay out of the YAML file; a missing reference is an error naming its path.
 */
function interpolate(value: unknown, path: string, baseDir: string, problems: string[], only?: ReadonlySet<string>): unknown {
  // A section the caller does not need keeps its references as written, unresolved: a
  // command that manages keys must not need the provider's secret.
  if (only && path && !path.includes('.') && !path.includes('[') && !only.has(path)) return value;
  if (typeof value === 'string') {
    return value.replace(REF, (_m, kind: string, ref: string) => {
      const name = ref.trim();
      if (kind === 'env') {
        const v = process.env[name];
        if (v === undefined) {
          problems.push(`${path}: environment variable ${name} is not set (referenced as \${env:${name}})`);
          return '';
        }
        return v;
      }
      const file = isAbsolute(name) ? name : resolve(baseDir, name);
      try {
        return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        problems.push(`${path}: cannot read ${file} (referenced as \${file:${name}}): ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
        return '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${path}[${i}]`, baseDir, problems, only));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, path ? `${path}.${k}` : k, baseDir, problems, only);
    return out;
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : '(root)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} — remove or correct the spelling`;
  return `${path}: ${issue.message}`;
}

/**
 * Checks across fields (a model's provider exists, consumer names are unique, a provider has
 * a credential). Run on the raw input too when the schema already failed, so `config check`
 * reports every problem in one run instead of one layer per run.
 */
function crossFieldProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const root = obj(raw) ?? {};
  const providers = obj(root.providers) ?? (root.providers === undefined ? { mock: { type: 'mock' } } : {});
  if (Array.isArray(root.models)) {
    root.models.forEach((m, i) => {
      const name = obj(m)?.provider;
      if (typeof name === 'string' && !providers[name]) problems.push(`models[${i}].provider: "${name}" is not defined under providers (have: ${Object.keys(providers).join(', ') || 'none'})`);
    });
  }
  const seen = new Set<string>();
  if (Array.isArray(root.consumers)) {
    root.consumers.forEach((c, i) => {
      const name = obj(c)?.name;
      if (typeof name !== 'string') return;
      if (seen.has(name)) problems.push(`consumers[${i}].name: "${name}" is declared twice`);
      seen.add(name);
    });
  }
  for (const [name, p] of Object.entries(providers)) {
    const o = obj(p);
    if (o?.type === 'anthropic' && !o.api_key && !o.auth_token) problems.push(`providers.${name}: set api_key (e.g. \${env:ANTHROPIC_API_KEY}) or auth_token`);
  }
  return problems;
}

/** Validates a plain object (already interpolated) against the schema plus cross-field checks. */
export function validateConfig(raw: unknown, source = '(inline)'): Config {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(source, [...parsed.error.issues.map(describeIssue), ...crossFieldProblems(raw)]);
  const problems = crossFieldProblems(parsed.data);
  if (problems.length) throw new ConfigError(source, problems);
  return parsed.data;
}

export interface LoadOptions {
  /**
   * Top-level sections whose `${env:…}` / `${file:…}` references are resolved; the others keep
   * them as literal text (still validated for shape). Default: every section.
   */
  resolve?: readonly string[];
}

/** Parses YAML text, resolves references relative to `baseDir`, validates. */
export function parseConfig(text: string, source: string, baseDir: string, opts: LoadOptions = {}): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  const problems: string[] = [];
  const resolved = interpolate(doc.toJS() ?? {}, '', baseDir, problems, opts.resolve ? new Set(opts.resolve) : undefined);
  if (problems.length) throw new ConfigError(source, problems);
  return validateConfig(resolved, source);
}

export function loadConfigFile(file: string, opts: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`]);
  }
  return parseConfig(text, file, dirname(resolve(file)), opts);
}

/** The embedded default: mock provider, SQLite and audit files under .warden/. */
export function defaultConfig(): Config {
  return validateConfig({}, '(built-in default)');
}
