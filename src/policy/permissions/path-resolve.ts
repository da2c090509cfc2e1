/**
 * Turns a path named by a tool call (or a shell argument) into a normalised absolute path,
 * or into a path relative to a base (cwd, home) whose location is unknown. `.` and `..`
 * are resolved first so `./src/../.env` cannot slip past `Read(./.env)` (path traversal).
 */
import { EXPANSION, escapeGlob } from './glob-compile.js';
import { MAX_PATH_CHARS } from './limits.js';
import type { PermissionContext } from './types.js';

export type ResolvedPath =
  | { kind: 'abs'; path: string }
  /** `path` is relative to a base Warden does not know; `escapes` when it climbs out of it. */
  | { kind: 'rel'; base: 'cwd' | 'home'; path: string; escapes: boolean };

/** Resolves `.`/`..` segments; in glob patterns `..` after an expansion is kept (its parent is unknown). */
const NEEDS_WORK = /\/\/|(?:^|\/)\.\.?(?:\/|$)|\/$/;

export function normalizeSegments(p: string, absolute: boolean): { path: string; escapes: boolean } {
  // Already normal (the common case): no `//`, `.`, `..` or trailing `/`.
  if (!NEEDS_WORK.test(p) && p !== '' && (absolute ? p.startsWith('/') : !p.startsWith('/'))) return { path: p, escapes: false };
  const out: string[] = [];
  let escapes = false;
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev !== '..' && !prev.includes(EXPANSION)) out.pop();
      else if (prev !== undefined) out.push('..');
      else if (!absolute) {
        out.push('..');
        escapes = true;
      }
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return { path: absolute ? `/${joined}` : joined, escapes };
}

function absolute(dir: string, rest: string, pattern: boolean): ResolvedPath {
  const base = pattern ? escapeGlob(dir) : dir;
  return { kind: 'abs', path: normalizeSegments(`${base}/${rest}`, true).path };
}

function relative(base: 'cwd' | 'home', rest: string, forceEscape: boolean): ResolvedPath {
  const n = normalizeSegments(rest, false);
  return { kind: 'rel', base, path: n.path, escapes: n.escapes || forceEscape };
}

/**
 * `pattern` marks shell glob patterns from the lexer (their literal characters are escaped).
 * Returns null for paths too long to be real.
 */
export function resolvePath(raw: string, ctx: PermissionContext, pattern = false, cwd = ctx.cwd): ResolvedPath | null {
  if (raw.length > MAX_PATH_CHARS) return null;
  if (raw === '~' || raw.startsWith('~/')) {
    const rest = raw.slice(2);
    return ctx.home ? absolute(ctx.home, rest, pattern) : relative('home', rest, false);
  }
  // `~user/…` is another user's home: somewhere unknown, never the agent's own `~`.
  if (raw.startsWith('~')) return relative('home', raw.slice(raw.indexOf('/') + 1 || raw.length), true);
  if (raw.startsWith('/')) return { kind: 'abs', path: normalizeSegments(raw, true).path };
  if (raw.startsWith(EXPANSION)) return relative('cwd', raw, true);
  return cwd ? absolute(cwd, raw, pattern) : relative('cwd', raw, false);
}

/** The part of `abs` below `dir` ('' for `dir` itself), or null when `abs` is elsewhere. */
export function below(abs: string, dir: string): string | null {
  if (dir === '/' || dir === '') return abs.slice(1);
  if (abs === dir) return '';
  if (abs.length > dir.length && abs.startsWith(dir) && abs.charCodeAt(dir.length) === 47) return abs.slice(dir.length + 1);
  return null;
}

/** A context directory made comparable with normalised paths (no trailing slash, no `..`). */
export function normaliseDir(dir: string | undefined): string | undefined {
  if (!dir || !dir.startsWith('/')) return undefined;
  return normalizeSegments(dir, true).path;
}
