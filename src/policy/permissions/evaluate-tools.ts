/**
 * Every tool but Bash: bare tool names, MCP names, `param:value` specifiers, WebFetch
 * domains and Read/Edit paths. Order: a certain deny, a certain ask, a glob argument that
 * may hit a deny/ask path (ask), then allow.
 */
import type { CompiledPermissions, ToolRule } from './compile.js';
import { EXPANSION, escapeGlob } from './glob-compile.js';
import { pathRuleMatches, pathRuleMayMatch, type Dirs } from './path-rule.js';
import { resolvePath, type ResolvedPath } from './path-resolve.js';
import type { PermissionContext, PermissionResult, RuleList } from './types.js';
import { hostOf } from './web-domain.js';

interface Target {
  /** The path (for globs: the glob's text read literally). */
  readonly at: ResolvedPath | null;
  readonly dir: boolean;
  /** Grep's `glob`: its text is matched literally, then as a glob that may name a covered file. */
  readonly glob: ResolvedPath | null;
  /** Glob's `pattern` lists names only: it matters to allow rules (must stay below its directory). */
  readonly listing: boolean;
  /** The glob stays below its directory (no `..`, not absolute). */
  readonly contained: boolean;
}

const FILE_FIELD: Readonly<Record<string, string>> = { Read: 'file_path', Edit: 'file_path', Write: 'file_path', MultiEdit: 'file_path', NotebookEdit: 'notebook_path', NotebookRead: 'notebook_path' };

/** Glob tool syntax to Warden's shell-glob syntax: `**` and `{a,b}` become "anything". */
function toolGlob(p: string): string {
  return p.replace(/\*\*+|\{[^}]*\}/g, EXPANSION);
}

function str(input: Record<string, unknown>, k: string): string | undefined {
  const v = input[k];
  return typeof v === 'string' ? v : undefined;
}

function targetsOf(tool: string, input: Record<string, unknown>, ctx: PermissionContext): Target[] {
  const field = FILE_FIELD[tool];
  if (field) {
    const p = str(input, field);
    return p === undefined ? [] : [{ at: resolvePath(p, ctx), dir: false, glob: null, listing: false, contained: true }];
  }
  if (tool !== 'Glob' && tool !== 'Grep' && tool !== 'LS') return [];
  const dir = str(input, 'path') ?? '.';
  const out: Target[] = [{ at: resolvePath(dir, ctx), dir: true, glob: null, listing: false, contained: true }];
  const g = tool === 'Glob' ? str(input, 'pattern') : tool === 'Grep' ? str(input, 'glob') : undefined;
  if (g !== undefined) {
    const abs = g.startsWith('/') || g.startsWith('~');
    const sub = tool === 'Grep' ? '**/' : '';
    const literal = abs ? g : `${dir}/${sub}${g}`;
    const pattern = abs ? toolGlob(g) : `${escapeGlob(dir)}/${sub ? `${EXPANSION}/` : ''}${toolGlob(g)}`;
    const contained = !abs && !/(^|\/)\.\.(\/|$)/.test(g);
    out.push({ at: resolvePath(literal, ctx), dir: false, glob: resolvePath(pattern, ctx, true), listing: tool === 'Glob', contained });
  }
  return out;
}

function pathMatch(r: ToolRule & { kind: 'path' }, targets: Target[], dirs: Dirs): 'yes' | 'maybe' | 'no' {
  if (r.rule.wide) {
    let maybe = false;
    for (const t of targets) {
      if (t.listing) continue;
      if (t.at === null) maybe = true;
      else if (pathRuleMatches(r.rule, t.at, dirs, t.dir)) return 'yes';
      else if (t.glob && pathRuleMayMatch(r.rule, t.glob, dirs)) maybe = true;
    }
    return maybe ? 'maybe' : 'no';
  }
  let literal = 0;
  for (const t of targets) {
    if (t.listing || t.glob) {
      if (!t.contained) return 'no';
      continue;
    }
    if (t.at === null || !pathRuleMatches(r.rule, t.at, dirs, t.dir)) return 'no';
    literal++;
  }
  return literal > 0 ? 'yes' : 'no';
}

function paramMatches(value: string[], v: unknown): boolean {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
  const s = String(v);
  if (value.length === 1) return s === value[0];
  const first = value[0]!;
  const last = value[value.length - 1]!;
  if (!s.startsWith(first) || !s.endsWith(last) || s.length < first.length + last.length) return false;
  let pos = first.length;
  for (let k = 1; k < value.length - 1; k++) {
    const at = s.indexOf(value[k]!, pos);
    if (at < 0 || at + value[k]!.length > s.length - last.length) return false;
    pos = at + value[k]!.length;
  }
  return true;
}

const LISTS: readonly RuleList[] = ['deny', 'ask', 'allow'];

export function evaluateTool(c: CompiledPermissions, tool: string, input: Record<string, unknown>, ctx: PermissionContext, dirs: Dirs): PermissionResult {
  let targets: Target[] | null = null;
  let host: string | null | undefined;
  let maybe: ToolRule | null = null;
  for (const list of LISTS) {
    for (const r of c.tools[list]) {
      let hit = false;
      if (r.kind === 'name') hit = r.test(tool);
      else if (r.kind === 'param') hit = r.test(tool) && paramMatches(r.value, input[r.key]);
      else if (r.kind === 'domain' && tool === 'WebFetch') {
        if (host === undefined) host = hostOf(input['url']);
        // A URL that cannot be parsed has an unknown host: deny/ask rules match it, allow rules do not.
        hit = host === null ? list !== 'allow' : r.test(host);
      } else if (r.kind === 'path' && r.tools.has(tool)) {
        targets ??= targetsOf(tool, input, ctx);
        const m = pathMatch(r, targets, dirs);
        hit = m === 'yes';
        if (m === 'maybe') maybe ??= r;
      }
      if (hit) return { outcome: list, rule: r.label, reason: `${tool} matches ${r.label}` };
    }
    if (list === 'ask' && maybe)
      return { outcome: 'ask', rule: maybe.label, reason: `${tool} may reach a path covered by ${maybe.label}` };
  }
  return { outcome: 'none' };
}
