/**
 * Warden's `argv:` extension for deny/ask rules, matched on the parsed argv instead of the
 * text, so flag order, clustering and spelling do not matter:
 *
 *   Bash(argv: rm -r|-R|--recursive -f|--force)   rm -rf, rm -fr, rm -r -f x, rm --recursive --force
 *   Bash(argv: git push -f|--force)                git push origin main --force, git -C x push -fu
 *   Bash(argv: chmod 777|0777)                     chmod -R 777 dir
 *   Bash(argv: curl|wget | sh|bash)                a pipeline stage piped (or substituted) into another
 *   Bash(argv: sh|bash <<<|<<)                     a shell fed its script by a here-string or here-document
 *
 * First token: the command name (its basename), `a|b` alternatives, `*` wildcards. A token
 * starting with `-` requires that flag (alternatives `|`; `-rf` requires both letters; a
 * long flag also matches its GNU abbreviation `--rec` and `--flag=value`). Other tokens
 * must match positional arguments, in order, not necessarily adjacent. A token of `<<<`
 * and `<<` alternatives requires that stdin comes from a here-string (`<<<`) or a
 * here-document (`<<`, `<<-`). A lone `|` separates pipeline stages.
 */
import type { Unit } from './shell/units.js';

type Glob = { pieces: string[] };

interface FlagReq {
  /** Each alternative: long names (without `--`) or a set of short letters, all required. */
  alts: { long: string | null; short: string }[];
}

export interface ArgvPattern {
  readonly names: Glob[];
  readonly flags: FlagReq[];
  readonly positionals: Glob[][];
  /** Redirection operators one of which must feed stdin (`<<<`, `<<`, `<<-`); null: any. */
  readonly stdin: ReadonlySet<string> | null;
}

function glob(s: string): Glob {
  return { pieces: s.split('*') };
}

function globMatch(g: Glob, s: string): boolean {
  const p = g.pieces;
  if (p.length === 1) return s === p[0];
  const first = p[0]!;
  const last = p[p.length - 1]!;
  if (!s.startsWith(first) || !s.endsWith(last) || s.length < first.length + last.length) return false;
  let pos = first.length;
  for (let k = 1; k < p.length - 1; k++) {
    const at = s.indexOf(p[k]!, pos);
    if (at < 0 || at + p[k]!.length > s.length - last.length) return false;
    pos = at + p[k]!.length;
  }
  return true;
}

/** Compiles the stages of an `argv:` specifier (the prefix already removed). */
export function compileArgvStages(spec: string): ArgvPattern[] {
  const tokens = spec.trim().split(/\s+/).filter((t) => t !== '');
  const stages: string[][] = [[]];
  for (const t of tokens) {
    if (t === '|') stages.push([]);
    else stages[stages.length - 1]!.push(t);
  }
  return stages.map((stage) => {
    if (stage.length === 0) throw new Error('an argv: pattern needs a command name in every stage');
    const [name, ...rest] = stage as [string, ...string[]];
    if (name.startsWith('-')) throw new Error('an argv: pattern starts with the command name, not a flag');
    const flags: FlagReq[] = [];
    const positionals: Glob[][] = [];
    let stdin: Set<string> | null = null;
    for (const t of rest) {
      const alts = t.split('|').filter((a) => a !== '');
      if (alts.length === 0) throw new Error(`empty alternative in \`${t}\``);
      if (t.startsWith('<')) {
        stdin ??= new Set();
        for (const a of alts) {
          if (a === '<<<') stdin.add(a);
          else if (a === '<<') stdin.add('<<').add('<<-');
          else throw new Error(`\`${a}\`: write \`<<<\` (here-string) or \`<<\` (here-document)`);
        }
      } else if (t.startsWith('-')) {
        flags.push({
          alts: alts.map((a) => {
            if (!/^--?[^-]/.test(a)) throw new Error(`\`${a}\` is not a flag (write -x or --name)`);
            return a.startsWith('--') ? { long: a.slice(2), short: '' } : { long: null, short: a.slice(1) };
          }),
        });
      } else positionals.push(alts.map(glob));
    }
    return { names: name.split('|').map(glob), flags, positionals, stdin };
  });
}

/** What an argv pattern looks at: flags and positional arguments of the unit. */
export interface ArgvFacts {
  /** Every short-option letter, as one string. */
  short: string;
  long: string[];
  positionals: string[];
}

export function argvFacts(unit: Unit): ArgvFacts {
  const facts: ArgvFacts = { short: '', long: [], positionals: [] };
  let done = false;
  for (let i = 1; i < unit.argv.length; i++) {
    const t = unit.argv[i]!.text;
    if (!done && t === '--') done = true;
    else if (!done && t.startsWith('--') && t.length > 2) facts.long.push(t.slice(2).split('=')[0]!);
    else if (!done && t.startsWith('-') && t.length > 1) facts.short += t.slice(1);
    else facts.positionals.push(t);
  }
  return facts;
}

function hasLetters(have: string, need: string): boolean {
  for (let i = 0; i < need.length; i++) if (!have.includes(need[i]!)) return false;
  return true;
}

export function argvMatches(p: ArgvPattern, unit: Unit, facts: ArgvFacts): boolean {
  if (!p.names.some((g) => globMatch(g, unit.name))) return false;
  if (p.stdin && !unit.cmd.redirects.some((r) => p.stdin!.has(r.op))) return false;
  for (const req of p.flags) {
    const ok = req.alts.some((a) =>
      a.long !== null
        ? facts.long.some((l) => l.length > 0 && a.long!.startsWith(l)) // GNU: `--rec` abbreviates `--recursive`
        : hasLetters(facts.short, a.short),
    );
    if (!ok) return false;
  }
  let k = 0;
  for (const alts of p.positionals) {
    while (k < facts.positionals.length && !alts.some((g) => globMatch(g, facts.positionals[k]!))) k++;
    if (k++ >= facts.positionals.length) return false;
  }
  return true;
}
