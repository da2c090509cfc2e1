/**
 * Path specifiers of Read/Edit rules, gitignore-style as Claude Code documents them:
 * `//abs/path`, `~/in/home`, `/relative/to/settings` (for Warden: the cwd), `./x` or `x`
 * relative to the cwd, `*` inside a segment, `**` across segments, a bare name such as
 * `.env` at any depth. Where a fact is unknown (no cwd given, a path outside it), deny and
 * ask rules match wide and allow rules narrow.
 */
import { compileRuleGlob, compileShellGlob, escapeGlob } from './glob-compile.js';
import { globsIntersect, matchGlob, type GlobProgram } from './glob-program.js';
import { below, type ResolvedPath } from './path-resolve.js';
import type { Polarity } from './types.js';

export type Anchor = 'root' | 'home' | 'cwd' | 'float';

export interface PathRule {
  readonly anchor: Anchor;
  readonly wide: boolean;
  /** The body below its anchor (floating for `float`). */
  readonly prog: GlobProgram;
  /** The body at any depth: used by wide rules when the anchor's location is unknown. */
  readonly anyDepth: GlobProgram;
  /** For directory targets (Grep/Glob/LS): `dir/**` also covers `dir` itself. */
  readonly dirProg: GlobProgram | null;
  /** Representative names the rule covers (wildcards as nothing and as `x`), anchored and at any depth. */
  readonly samples: { anchored: GlobProgram[]; anyDepth: GlobProgram[] };
  /**
   * Deny/ask `/etc/**`: Claude Code reads a single leading `/` as "relative to the settings
   * file" (for Warden: the cwd); a gateway operator writing it most likely means `/etc`.
   * Wide rules match both readings; allow rules keep only Claude Code's.
   */
  readonly rootAlias: PathRule | null;
}

/** Directories of the context, normalised; `pattern` copies escape glob characters. */
export interface Dirs {
  cwd?: string;
  home?: string;
}

export function compilePathRule(spec: string, polarity: Polarity): PathRule {
  const wide = polarity === 'wide';
  let anchor: Anchor;
  let body: string;
  if (spec.startsWith('//')) [anchor, body] = ['root', spec.slice(2)];
  else if (spec === '~' || spec.startsWith('~/')) [anchor, body] = ['home', spec.slice(2)];
  else if (spec.startsWith('/')) [anchor, body] = ['cwd', spec.slice(1)];
  else if (spec.startsWith('./')) [anchor, body] = ['cwd', spec.slice(2)];
  else {
    body = spec;
    const inner = spec.replace(/\/+$/, '');
    // gitignore: a pattern without a slash matches at any depth; Claude Code also lets a
    // deny/ask `src/**` match a `src` directory at any depth, while an allow stays at the cwd.
    anchor = !inner.includes('/') || inner.startsWith('**/') || wide ? 'float' : 'cwd';
  }
  body = body.replace(/\/+$/, '');
  if (body === '') body = '**';
  const ci = wide; // a deny must also catch `.ENV` on case-insensitive file systems (macOS)
  const prog = compileRuleGlob(body, anchor === 'float', true, ci);
  const anyDepth = anchor === 'float' ? prog : compileRuleGlob(body, true, true, ci);
  const dirBody = body.endsWith('/**') ? body.slice(0, -3) : null;
  const dirProg = dirBody ? compileRuleGlob(dirBody, anchor === 'float', true, ci) : null;
  const texts = [...new Set([sampleOf(body, ''), sampleOf(body, 'x')])];
  const samples = {
    anchored: texts.map((t) => compileRuleGlob(t, anchor === 'float', false, ci)),
    anyDepth: texts.map((t) => compileRuleGlob(t, true, false, ci)),
  };
  const single = spec.startsWith('/') && !spec.startsWith('//');
  const rootAlias = wide && single ? compilePathRule(`/${spec}`, polarity) : null;
  return { anchor, wide, prog, anyDepth, dirProg, samples, rootAlias };
}

/** A name the pattern covers, escaped as a literal pattern: `**\/id_rsa*` → `id_rsa` or `id_rsax`. */
function sampleOf(body: string, fill: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '*') {
      const start = i;
      while (body[i + 1] === '*') i++;
      const dirs = i > start && (start === 0 || body[start - 1] === '/') && body[i + 1] === '/';
      if (dirs) i++; // `**/`: zero directories
      else out += fill;
    } else if (c === '?') out += 'x';
    else if (c === '[') {
      const end = body.indexOf(']', i + 2);
      const first = body[i + 1] === '!' || body[i + 1] === '^' ? 'x' : body[i + 1]!;
      out += end < 0 ? '\\[' : escapeGlob(first);
      if (end >= 0) i = end;
    } else if (c === '\\' && i + 1 < body.length) out += escapeGlob(body[++i]!);
    else out += escapeGlob(c);
  }
  return out.replace(/\/+$/, '');
}

function stripClimbs(p: string): string {
  let i = 0;
  while (p.startsWith('../', i)) i += 3;
  return p === '..' ? '' : p.slice(i);
}

/** Which program to run on which string, or null when the rule cannot apply to the target. */
function locate(r: PathRule, t: ResolvedPath, dirs: Dirs): { prog: GlobProgram; dir: GlobProgram | null; subject: string } | null {
  if (t.kind === 'abs') {
    const anywhere = { prog: r.anyDepth, dir: r.dirProg, subject: t.path.slice(1) };
    if (r.anchor === 'root') return { prog: r.prog, dir: r.dirProg, subject: t.path.slice(1) };
    if (r.anchor === 'float' && r.wide) return anywhere;
    const dir = r.anchor === 'home' ? dirs.home : dirs.cwd;
    if (!dir) return r.wide ? anywhere : null;
    const rest = below(t.path, dir);
    return rest === null ? null : { prog: r.prog, dir: r.dirProg, subject: rest };
  }
  const sameBase = r.anchor === t.base || (r.anchor === 'float' && t.base === 'cwd');
  if (sameBase && !t.escapes) return { prog: r.prog, dir: r.dirProg, subject: t.path };
  return r.wide ? { prog: r.anyDepth, dir: r.dirProg, subject: stripClimbs(t.path) } : null;
}

/** A literal path (already resolved) against the rule. */
export function pathRuleMatches(r: PathRule, t: ResolvedPath, dirs: Dirs, dirTarget = false): boolean {
  if (r.rootAlias && pathRuleMatches(r.rootAlias, t, dirs, dirTarget)) return true;
  const at = locate(r, t, dirs);
  if (!at) return false;
  if (matchGlob(at.prog, at.subject)) return true;
  return dirTarget && at.dir !== null && matchGlob(at.dir, at.subject);
}

/**
 * A shell glob argument (resolved, literal characters escaped): could it name one of the
 * rule's representative files? `cat *.pe?` may read `x.pem`; `cat *.ts` cannot read `id_rsa`.
 */
export function pathRuleMayMatch(r: PathRule, t: ResolvedPath, dirs: Dirs): boolean {
  if (r.rootAlias && pathRuleMayMatch(r.rootAlias, t, dirs)) return true;
  const escaped: Dirs = {};
  if (dirs.cwd) escaped.cwd = escapeGlob(dirs.cwd);
  if (dirs.home) escaped.home = escapeGlob(dirs.home);
  const at = locate(r, t, escaped);
  if (at === null) return false;
  const arg = compileShellGlob(at.subject);
  const samples = at.prog.floating ? r.samples.anyDepth : r.samples.anchored;
  return samples.some((s) => globsIntersect(s, arg));
}
