/** Collects what the parts of one Bash call came to and combines them. */
import type { Unit } from './shell/units.js';
import type { PermissionResult } from './types.js';

/** What the parts of one Bash call came to. */
export class Verdict {
  deny: PermissionResult | null = null;
  ask: PermissionResult | null = null;
  allowRules = new Set<string>();
  units = 0;
  undecided = 0;
  /** Output redirections no allow covers: the command cannot be allowed. */
  uncovered = 0;
  fileChecks = 0;

  record(outcome: 'deny' | 'ask', rule: string, reason: string): void {
    if (outcome === 'deny') this.deny ??= { outcome, rule, reason };
    else this.ask ??= { outcome, rule, reason };
  }

  builtin(id: string, reason: string): void {
    this.record('ask', `ask: <builtin:${id}>`, reason);
  }

  result(): PermissionResult {
    if (this.deny) return this.deny;
    if (this.ask) return this.ask;
    if (this.allowRules.size > 0 && this.undecided === 0 && this.uncovered === 0) {
      const allowedBy = [...this.allowRules];
      return { outcome: 'allow', rule: allowedBy.join(', '), reason: `every command is allowed`, allowedBy };
    }
    return { outcome: 'none' };
  }
}

/** A command name for reasons: argument values never appear there (they may hold secrets). */
export function shown(unit: Unit): string {
  return `\`${unit.name.length > 40 ? `${unit.name.slice(0, 40)}…` : unit.name}\``;
}
