/**
 * Files a Bash command reads or writes, judged by Read and Edit deny/ask rules (allow path
 * rules never approve a shell command). Relative paths follow `cd` within the command, so
 * `cd secrets && cat key` meets `Read(./secrets/**)`. A glob or an expansion that may name
 * a protected file (`cat *.pem`, `cat "$F"`) asks.
 */
import type { CompiledPermissions, FileGuard } from './compile.js';
import { EXPANSION } from './glob-compile.js';
import { MAX_FILE_CHECKS } from './limits.js';
import { pathRuleMatches, pathRuleMayMatch } from './path-rule.js';
import { below, resolvePath } from './path-resolve.js';
import type { ShellCommand, Word } from './shell/ast.js';
import { fileAccesses, isDeviceStream, redirectAccesses, type FileAccess } from './shell/file-args.js';
import type { Unit } from './shell/units.js';
import type { PermissionContext } from './types.js';
import { shown, type Verdict } from './verdict.js';

const MAX_CWDS = 4;
const HOME_VAR = /^(?:\$HOME|\$\{HOME\})(?=\/|$)/;

function hasWildcard(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[' || c === EXPANSION) return true;
  }
  return false;
}

/** The path a word names, as a literal or as a glob pattern. */
function pathOf(w: Word): { raw: string; glob: boolean } {
  if (w.expansions === 1 && HOME_VAR.test(w.text)) {
    const len = HOME_VAR.exec(w.text)![0].length;
    const pattern = w.pattern === null ? null : `~${w.pattern.slice(1)}`;
    return pattern !== null && hasWildcard(pattern) ? { raw: pattern, glob: true } : { raw: `~${w.text.slice(len)}`, glob: false };
  }
  if (w.pattern !== null) return { raw: w.pattern, glob: true };
  // A quoted `~` is a file named `~`, not the home directory.
  return { raw: !w.tilde && w.text.startsWith('~') ? `./${w.text}` : w.text, glob: false };
}

function judge(c: CompiledPermissions, a: FileAccess, who: string, ctx: PermissionContext, cwds: (string | undefined)[], v: Verdict): void {
  if (++v.fileChecks > MAX_FILE_CHECKS) {
    v.builtin('bash-unparseable', 'the command names too many files to judge');
    return;
  }
  const guards: FileGuard[] = [];
  if (a.read) guards.push(...c.readGuards);
  if (a.write) guards.push(...c.writeGuards);
  if (guards.length === 0) return;
  const { raw, glob } = pathOf(a.word);
  const verb = a.write ? 'writes' : 'reads';
  for (const cwd of cwds) {
    // A glob's own text may already name a covered file (`cat ~/.ssh/*`, `cat *.pem`): certain.
    const literal = resolvePath(glob ? a.word.text : raw, ctx, false, cwd);
    const pattern = glob ? resolvePath(raw, ctx, true, cwd) : null;
    if (literal === null || (glob && pattern === null)) {
      v.builtin('bash-unparseable', `${who} names a path too long to judge`);
      continue;
    }
    const certain = guards.find((g) => pathRuleMatches(g.rule, literal, ctx));
    if (certain) {
      v.record(certain.list as 'deny' | 'ask', certain.label, `${who} ${verb} a file matching ${certain.label}`);
      continue;
    }
    const maybe = pattern && guards.find((g) => pathRuleMayMatch(g.rule, pattern, ctx));
    if (maybe) v.record('ask', maybe.label, `${who} may ${verb === 'writes' ? 'write' : 'read'} a file matching ${maybe.label}`);
  }
}

/** `cd` to a literal directory inside the cwd: read-only, needs no allow rule (as in Claude Code). */
export function cdStaysInside(unit: Unit, ctx: PermissionContext, cwds: readonly (string | undefined)[]): boolean {
  if ((unit.name !== 'cd' && unit.name !== 'pushd') || unit.argv.length !== 2 || ctx.cwd === undefined) return false;
  const arg = unit.argv[1]!;
  if (arg.pattern !== null || arg.text.startsWith('-')) return false;
  const { raw } = pathOf(arg);
  return cwds.every((cwd) => {
    const at = resolvePath(raw, ctx, false, cwd);
    return at?.kind === 'abs' && below(at.path, ctx.cwd!) !== null;
  });
}

/** Follows `cd`/`pushd`: the directories later relative paths may be relative to. */
function trackCd(unit: Unit, ctx: PermissionContext, cwds: (string | undefined)[]): void {
  if (unit.name !== 'cd' && unit.name !== 'pushd') return;
  const arg = unit.argv.slice(1).find((w) => !w.text.startsWith('-') || w.text === '-');
  const next: (string | undefined)[] = [];
  for (const cwd of cwds) {
    if (!arg) next.push(ctx.home);
    else if (arg.text === '-' || arg.pattern !== null) next.push(undefined);
    else {
      const { raw } = pathOf(arg);
      const at = resolvePath(raw, ctx, false, cwd);
      next.push(at?.kind === 'abs' ? at.path : undefined);
    }
  }
  for (const d of next) if (!cwds.includes(d) && cwds.length < MAX_CWDS) cwds.push(d);
  if (cwds.length >= MAX_CWDS && !cwds.includes(undefined)) cwds[MAX_CWDS - 1] = undefined;
}

/**
 * Claude Code checks an output redirection as a file write: `Bash(git log *)` allows the
 * command, not `> ~/.bashrc`. A write target inside the cwd (or /dev/null) is fine; any
 * other needs an Edit allow rule, else the command is left undecided.
 */
function writeCovered(c: CompiledPermissions, a: FileAccess, ctx: PermissionContext, cwds: (string | undefined)[]): boolean {
  const { raw, glob } = pathOf(a.word);
  if (glob) return false;
  for (const cwd of cwds) {
    const at = resolvePath(raw, ctx, false, cwd);
    if (!at) return false;
    const inside = at.kind === 'abs' && ctx.cwd !== undefined && below(at.path, ctx.cwd) !== null;
    if (!inside && !c.writeAllows.some((g) => pathRuleMatches(g.rule, at, ctx))) return false;
  }
  return true;
}

export function bashFiles(c: CompiledPermissions, cmd: ShellCommand, units: readonly Unit[], ctx: PermissionContext, cwds: (string | undefined)[], v: Verdict): void {
  const accesses: FileAccess[] = [];
  redirectAccesses(cmd, accesses);
  const who = units.length ? shown(units[units.length - 1]!) : 'a redirection';
  for (const a of accesses) {
    judge(c, a, who, ctx, cwds, v);
    if (a.write && units.length > 0 && !writeCovered(c, a, ctx, cwds)) v.uncovered++;
  }
  if (c.readGuards.length === 0 && c.writeGuards.length === 0) {
    for (const u of units) trackCd(u, ctx, cwds);
    return;
  }
  for (const u of units) {
    accesses.length = 0;
    fileAccesses(u, accesses);
    for (const a of accesses) if (!isDeviceStream(a.word)) judge(c, a, shown(u), ctx, cwds, v);
    trackCd(u, ctx, cwds);
  }
}
