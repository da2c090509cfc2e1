/** Option skipping for wrappers and file commands: where do the operands start. */

export interface OptSpec {
  /** Short options that take a value, as `-n 5` or `-n5`. */
  short?: string;
  /** Long options that take a value when written without `=`, as `--signal KILL`. */
  long?: readonly string[];
}

/** Index of the first operand at or after `from` (POSIX: options stop at the first operand or `--`). */
export function firstOperand(args: readonly string[], from: number, spec: OptSpec): number {
  let i = from;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') return i + 1;
    if (a.startsWith('--') && a.length > 2) {
      i += !a.includes('=') && spec.long?.includes(a.slice(2)) ? 2 : 1;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      i += takesNext(a, spec.short ?? '') ? 2 : 1;
      continue;
    }
    return i;
  }
  return i;
}

/** Whether a short cluster like `-xn` ends in an option that takes the next argument as its value. */
export function takesNext(cluster: string, valued: string): boolean {
  for (let k = 1; k < cluster.length; k++) if (valued.includes(cluster[k]!)) return k === cluster.length - 1;
  return false;
}
