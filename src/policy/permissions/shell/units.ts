/**
 * From a parsed command to the units rules are matched against: the command itself after
 * transparent wrappers are stripped, plus every judged wrapper and every command a wrapper
 * runs (`sudo X` → `sudo X` and `X`; `find -exec X ;` → `find …` and `X`). Scripts given to
 * `bash -c`, `eval`, `su -c` are returned for a recursive parse.
 */
import type { ShellCommand, Word } from './ast.js';
import { isSafeAssignment, readsScriptFromStdin, WRAPPERS, type Unwrap } from './wrappers.js';
import type { ArgvFacts } from '../argv-pattern.js';

export interface Unit {
  readonly cmd: ShellCommand;
  /** The command that runs, wrappers stripped. */
  readonly argv: readonly Word[];
  /** basename of argv[0]. */
  readonly name: string;
  /** Texts allow rules may match (the stripped command and its transparent-wrapper forms). */
  readonly allowTexts: readonly string[];
  /** Texts deny and ask rules match: the above plus forms allow must not see (`/bin/rm` → `rm`). */
  readonly matchTexts: readonly string[];
  /** Set when the matcher itself asks (name known only at run time, `find -exec`, …). */
  readonly askWhy: string | null;
  /** Flags and positionals, computed on first use by `argv:` rules. */
  facts?: ArgvFacts;
}

export interface Script {
  readonly text: string;
  /** Built at run time (`bash -c "$X"`): what it runs cannot be known. */
  readonly dynamic: boolean;
}

const MAX_STEPS = 16;

function join(words: readonly Word[]): string {
  let s = '';
  for (let i = 0; i < words.length; i++) s += i === 0 ? words[i]!.text : ` ${words[i]!.text}`;
  return s;
}

export function basename(p: string): string {
  const k = p.lastIndexOf('/');
  return k < 0 || k === p.length - 1 ? p : p.slice(k + 1);
}

/** The script a shell reads from a here-string or here-document (the last stdin redirection wins). */
function stdinScript(cmd: ShellCommand): Script | null {
  for (let i = cmd.redirects.length - 1; i >= 0; i--) {
    const r = cmd.redirects[i]!;
    if (r.op === '<<<' && r.target) return { text: r.target.text, dynamic: r.target.expansions > 0 };
    if (r.op === '<<' || r.op === '<<-') {
      const b = r.body;
      if (!b) return null;
      const raw = b.src.slice(b.start, b.end);
      const text = b.strip ? raw.replace(/^\t+/gm, '') : raw;
      return { text, dynamic: b.expands && /[$`]/.test(text) };
    }
    if (r.op === '<' || r.op === '<>' || r.op === '<&') return null;
  }
  return null;
}

function scriptOf(u: Unwrap, argv: readonly Word[]): Script | null {
  const s = u.script;
  if (!s) return null;
  if ('text' in s) return s;
  const words = argv.slice(s.from, s.to);
  return { text: join(words), dynamic: words.some((w) => w.expansions > 0) };
}

/** Appends the units of `cmd` to `units` and the scripts it runs to `scripts`. */
export function unitsOf(cmd: ShellCommand, units: Unit[], scripts: Script[]): void {
  if (cmd.words.length === 0) return;
  const full = cmd.assigns.length ? `${join(cmd.assigns)} ${join(cmd.words)}` : null;
  // Claude Code: a known-safe assignment is stripped for allow rules; any other one stops
  // an allow match (PATH=., LD_PRELOAD=… change what runs), while deny/ask still see past it.
  const allowStripped = cmd.assigns.every((a) => isSafeAssignment(a.text));
  chain(cmd, cmd.words, full ? [full] : [], allowStripped, full, units, scripts, 0);
}

function chain(cmd: ShellCommand, start: readonly Word[], outer: string[], allowStripped: boolean, full: string | null, units: Unit[], scripts: Script[], level: number): void {
  let argv = start;
  let wrappers = outer;
  const emit = (words: readonly Word[], askWhy: string | null): void => {
    const text = join(words);
    const name = basename(words[0]!.text);
    const matchTexts = [text, ...wrappers];
    if (name !== words[0]!.text) matchTexts.push(name + text.slice(words[0]!.text.length));
    const allowTexts = allowStripped ? [text, ...wrappers] : full ? [full] : [];
    units.push({ cmd, argv: words, name, allowTexts, matchTexts, askWhy });
  };
  for (let step = 0; step < MAX_STEPS && argv.length > 0; step++) {
    const head = argv[0]!;
    if (head.expansions > 0 || head.pattern !== null) {
      emit(argv, 'the command name is only known at run time');
      return;
    }
    const handler = WRAPPERS.get(basename(head.text));
    const u = handler ? handler(argv, argv.map((w) => w.text)) : null;
    if (!u) {
      emit(argv, null);
      const stdin = readsScriptFromStdin(basename(head.text), argv.map((w) => w.text)) ? stdinScript(cmd) : null;
      if (stdin) scripts.push(stdin);
      return;
    }
    if (u.judged) emit(argv, u.alwaysAsk ?? null);
    else wrappers = [...wrappers, join(argv)];
    const script = scriptOf(u, argv);
    if (script) scripts.push(script);
    if (level < MAX_STEPS) for (const [a, b] of u.ranges ?? []) chain(cmd, argv.slice(a, b), [], true, null, units, scripts, level + 1);
    if (u.inner === undefined || u.inner >= argv.length) return;
    argv = argv.slice(u.inner);
    if (u.judged) wrappers = [];
  }
  if (argv.length > 0) emit(argv, 'wrappers nested too deep');
}
