/**
 * `Tool` or `Tool(specifier)`, as in Claude Code settings. Tool names may carry `*` in
 * deny/ask rules; allow rules accept a wildcard only after a literal `mcp__<server>__`
 * prefix (Claude Code skips `*`, `B*`, `mcp__*` allow rules: they would grant too much).
 */
import type { RuleList } from './types.js';

export interface RuleText {
  readonly tool: string;
  readonly spec: string | null;
}

const TOOL_NAME = /^[A-Za-z*][A-Za-z0-9_*.-]*$/;

export function parseRuleText(text: string): RuleText {
  const t = text.trim();
  if (t === '') throw new Error('empty rule');
  const open = t.indexOf('(');
  if (open < 0) {
    if (t.includes(')')) throw new Error('`)` without `(`');
    checkToolName(t);
    return { tool: t, spec: null };
  }
  if (!t.endsWith(')')) throw new Error('missing `)` at the end (rules read `Tool` or `Tool(specifier)`)');
  const tool = t.slice(0, open);
  checkToolName(tool);
  const spec = t.slice(open + 1, -1).trim();
  if (spec === '') throw new Error(`empty specifier: write \`${tool}\` to match every use`);
  return { tool, spec };
}

function checkToolName(name: string): void {
  if (!TOOL_NAME.test(name)) throw new Error(`\`${name}\` is not a tool name (Bash, Read, Edit, WebFetch, mcp__server__tool, …)`);
}

/** Whether a tool-name pattern is allowed in this list. */
export function checkToolGlob(name: string, list: RuleList): void {
  if (list !== 'allow' || !name.includes('*')) return;
  const star = name.indexOf('*');
  if (!/^mcp__[^_*]+(?:_[^_*]+)*__/.test(name.slice(0, star)))
    throw new Error(`an allow rule may use \`*\` in a tool name only after \`mcp__<server>__\` (\`${name}\` would allow too much)`);
}

/** Tools whose file reads Read rules cover (Claude Code applies Read rules to them best-effort). */
export const READ_FAMILY: ReadonlySet<string> = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead']);
/** Tools whose file writes Edit rules cover. */
export const EDIT_FAMILY: ReadonlySet<string> = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
/** Tools that take a path specifier. */
export const PATH_TOOLS: ReadonlySet<string> = new Set([...READ_FAMILY, ...EDIT_FAMILY]);

/** Tool names a rule naming `tool` applies to (families for Read and Edit). */
export function coveredTools(tool: string): ReadonlySet<string> {
  if (tool === 'Read') return READ_FAMILY;
  if (tool === 'Edit') return EDIT_FAMILY;
  return new Set([tool]);
}

/** Matcher for a bare tool name: exact, an MCP server prefix (`mcp__github`), or a glob. */
export function toolNameMatcher(name: string): (tool: string) => boolean {
  if (name.includes('*')) {
    const pieces = name.split('*');
    return (tool) => {
      if (!tool.startsWith(pieces[0]!) || !tool.endsWith(pieces[pieces.length - 1]!)) return false;
      let pos = pieces[0]!.length;
      for (let k = 1; k < pieces.length - 1; k++) {
        const at = tool.indexOf(pieces[k]!, pos);
        if (at < 0) return false;
        pos = at + pieces[k]!.length;
      }
      return pos <= tool.length - pieces[pieces.length - 1]!.length;
    };
  }
  // `mcp__server` names every tool of that server.
  if (/^mcp__[^_]+(?:_[^_]+)*$/.test(name) && !name.slice(5).includes('__')) return (tool) => tool === name || tool.startsWith(`${name}__`);
  const covered = coveredTools(name);
  return (tool) => covered.has(tool);
}
