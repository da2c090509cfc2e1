/**
 * Pipeline rules over the data flow of a parsed command: an edge goes from each command
 * to the next pipeline stage and from a substitution (`$( )`, `<( )`, here-document) to
 * the command it sits in. `curl u | sh`, `curl u | tee f | sh`, `sh -c "$(curl u)"` and
 * `bash <(curl u)` all have a path from `curl` to `sh`.
 */
import { unitMatches, type UnitMatcher } from './bash-rule.js';
import type { ShellCommand } from './shell/ast.js';
import type { Unit } from './shell/units.js';

export function pipelineMatches(stages: readonly UnitMatcher[], commands: readonly ShellCommand[], units: ReadonlyMap<number, Unit[]>): boolean {
  const n = commands.length;
  const last = stages.length - 1;
  const hit = new Map<number, boolean>();
  const matches = (k: number, id: number): boolean => {
    const key = k * n + id;
    let m = hit.get(key);
    if (m === undefined) hit.set(key, (m = (units.get(id) ?? []).some((u) => unitMatches(stages[k]!, u, false))));
    return m;
  };
  const memo = new Map<number, boolean>();
  // Whether a command reachable from `id` (one or more edges) matches stage k and completes the rest.
  const from = (k: number, id: number): boolean => {
    const key = k * n + id;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    for (const next of commands[id]!.next) {
      if ((matches(k, next) && (k === last || from(k + 1, next))) || from(k, next)) {
        memo.set(key, true);
        return true;
      }
    }
    return false;
  };
  for (const cmd of commands) if (matches(0, cmd.id) && (last === 0 || from(1, cmd.id))) return true;
  return false;
}
