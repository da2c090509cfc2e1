/**
 * Load-time facts about a parsed CEL expression, read from the cel-js AST: which variables
 * it reads, and which literal regular expressions it would only reject at run time.
 */

interface Node {
  op?: unknown;
  args?: unknown;
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit);
    return;
  }
  const n = node as Node;
  if (typeof n.op === 'string') visit(n);
  if ('args' in n) walk(n.args, visit);
}

/** Top-level variables the expression reads (and macro iteration variables, which are harmless). */
export function variablesOf(ast: unknown): Set<string> {
  const out = new Set<string>();
  walk(ast, (n) => {
    if (n.op === 'id' && typeof n.args === 'string') out.add(n.args);
  });
  return out;
}

/**
 * Problems with literal `matches()` patterns. cel-js runs them as JavaScript RegExp at
 * evaluation time; a pattern that does not compile would make the rule fail (closed) on
 * every request, so it is refused at load instead.
 */
export function patternProblems(ast: unknown): string[] {
  const problems: string[] = [];
  walk(ast, (n) => {
    if (n.op !== 'rcall' || !Array.isArray(n.args) || n.args[0] !== 'matches') return;
    const arg = (n.args[2] as Node[] | undefined)?.[0];
    if (arg?.op !== 'value' || typeof arg.args !== 'string') return;
    try {
      new RegExp(arg.args);
    } catch (e) {
      const hint = arg.args.startsWith('(?i)') ? ' — inline flags are not supported; compare `x.lowerAscii()` instead' : '';
      problems.push(`matches(${JSON.stringify(arg.args)}): ${(e as Error).message}${hint}`);
    }
  });
  return problems;
}
