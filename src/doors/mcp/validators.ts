/**
 * Built-in argument validators of the MCP door: what peers leave to external plugins.
 * Paths must stay inside an allowed root after normalisation AND symlink resolution (a link
 * inside the root pointing out of it is outside); a `..` segment is refused outright, even
 * when it would resolve inside (CWE-22: refuse traversal, do not try to interpret it); URLs
 * must match an allow-list; SQL goes through the PostgreSQL door's classifier
 * (sql-arguments.ts); the arguments' JSON size is bounded.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { WardenError } from '../../core/errors.js';
import { matchesAny } from '../../identity/glob.js';
import type { ClassifiedStatement } from '../postgres/sql/index.js';
import type { McpValidator } from './door-config.js';
import type { SqlArguments } from './sql-arguments.js';

const refuse = (tool: string, why: string, rule: string) => new WardenError('WARDEN_E_MCP_ARGUMENT_REFUSED', `${tool}: ${why}`, { rule });

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (a file to be created). */
function realOrNearest(p: string): string {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync.native(cur);
      return rest.length ? resolve(real, ...rest.reverse()) : real;
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return p;
      rest.push(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      cur = parent;
    }
  }
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function checkPath(tool: string, arg: string, value: unknown, roots: readonly string[]): void {
  if (typeof value !== 'string') throw refuse(tool, `argument "${arg}" must be a path string`, 'mcp.validators.paths');
  if (value.includes('\0')) throw refuse(tool, `argument "${arg}" contains a NUL byte`, 'mcp.validators.paths');
  if (value.split(/[\\/]+/).includes('..')) throw refuse(tool, `argument "${arg}" contains a ".." segment (path traversal is refused)`, 'mcp.validators.paths');
  // The server resolves a relative path against its own working directory, which Warden
  // cannot know: decide only on paths that mean the same on both sides.
  if (!isAbsolute(value)) throw refuse(tool, `argument "${arg}" must be an absolute path (inside ${roots.join(', ')})`, 'mcp.validators.paths');
  const abs = resolve(value);
  const real = realOrNearest(abs);
  const ok = roots.some((r) => {
    const rr = realOrNearest(resolve(r));
    return inside(abs, resolve(r)) && inside(real, rr);
  });
  if (!ok) throw refuse(tool, `argument "${arg}" (${value.slice(0, 200)}) is outside the allowed roots ${roots.join(', ')}`, 'mcp.validators.paths');
}

function checkUrl(tool: string, arg: string, value: unknown, allow: readonly string[]): void {
  if (typeof value !== 'string') throw refuse(tool, `argument "${arg}" must be a URL string`, 'mcp.validators.urls');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw refuse(tool, `argument "${arg}" is not a valid URL`, 'mcp.validators.urls');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refuse(tool, `argument "${arg}": only http and https URLs are allowed`, 'mcp.validators.urls');
  if (u.username || u.password) throw refuse(tool, `argument "${arg}": URLs with user:password are refused`, 'mcp.validators.urls');
  // Decide on the normalised form the server will fetch, not on the client's spelling.
  if (!matchesAny(u.href, allow)) throw refuse(tool, `argument "${arg}": ${u.origin} is not in the URL allow-list`, 'mcp.validators.urls');
}

/** Values of a named argument: a string, or each string of a list (`paths: [..]`). */
function valuesOf(args: Record<string, unknown>, name: string): unknown[] {
  if (!Object.hasOwn(args, name)) return [];
  const v = args[name];
  return Array.isArray(v) ? v : [v];
}

/**
 * The SQL arguments of the validators covering `tool`, alone: run again on the arguments as
 * forwarded when a guard changed them, so the decision is on the bytes the server gets.
 * Without a checker (`sql`) a SQL validator refuses: fail closed. Returns the statements of
 * every SQL argument checked, in order (for the decision document's `sql` section).
 */
export function validateSqlArguments(tool: string, args: Record<string, unknown>, validators: readonly McpValidator[], sql: SqlArguments | undefined): ClassifiedStatement[] {
  const statements: ClassifiedStatement[] = [];
  const seen = new Set<unknown>();
  for (const v of validators) {
    if (!v.sql || !matchesAny(tool, v.tools)) continue;
    for (const a of v.sql.arguments) {
      for (const x of valuesOf(args, a)) {
        if (!sql) throw refuse(tool, `argument "${a}" cannot be checked: no SQL classifier`, 'mcp.validators.sql');
        const c = sql.check(tool, a, x, v.sql);
        // Two validators over the same argument: its statements are listed once.
        if (!seen.has(x)) statements.push(...c.statements);
        seen.add(x);
      }
    }
  }
  return statements;
}

/**
 * Runs every validator that covers the tool (`server__tool`). `argsBytes`: the JSON size of
 * the arguments as received; `sql`: the checker for `sql` validators, its parser loaded.
 * Throws WARDEN_E_MCP_ARGUMENT_REFUSED naming the argument; returns the statements of the
 * SQL arguments checked.
 */
export function validateArguments(tool: string, args: Record<string, unknown>, argsBytes: number, validators: readonly McpValidator[], maxBytes: number, sql?: SqlArguments): ClassifiedStatement[] {
  if (argsBytes > maxBytes) throw refuse(tool, `arguments are ${argsBytes} bytes, more than mcp.max_argument_bytes (${maxBytes})`, 'mcp.max_argument_bytes');
  for (const v of validators) {
    if (!matchesAny(tool, v.tools)) continue;
    if (v.max_argument_bytes !== undefined && argsBytes > v.max_argument_bytes) throw refuse(tool, `arguments are ${argsBytes} bytes, more than this tool's limit (${v.max_argument_bytes})`, 'mcp.validators.max_argument_bytes');
    if (v.paths) for (const a of v.paths.arguments) for (const x of valuesOf(args, a)) checkPath(tool, a, x, v.paths.roots);
    if (v.urls) for (const a of v.urls.arguments) for (const x of valuesOf(args, a)) checkUrl(tool, a, x, v.urls.allow);
  }
  return validateSqlArguments(tool, args, validators, sql);
}
