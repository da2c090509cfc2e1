/** What the shell splitter hands to the matcher: simple commands with their words. */

export interface Word {
  /** The value after quote removal; expansions (`$X`, `$(…)`) keep their source text. */
  readonly text: string;
  /** A shell glob (see glob-compile) when the word has unquoted wildcards or expansions, else null. */
  readonly pattern: string | null;
  /** Number of parameter, command or arithmetic expansions in the word. */
  readonly expansions: number;
  /** Index in `text` of the first quoted or escaped character (Infinity when none). */
  readonly quoteStart: number;
  /** Begins with an unquoted `~`. */
  readonly tilde: boolean;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `&>`, `>&`, `<>`, … (a leading fd number is dropped). */
  readonly op: string;
  /** The file (or fd) word; null for here-documents. */
  readonly target: Word | null;
  /**
   * A here-document's body, once read, as offsets into `src` (the text is cut only when a
   * shell reads it as its script); `strip` for `<<-`; `expands` when the delimiter was
   * unquoted (`$x` and `$( )` run).
   */
  body?: { src: string; start: number; end: number; strip: boolean; expands: boolean };
}

export interface ShellCommand {
  readonly id: number;
  /** Leading `NAME=value` assignments. */
  readonly assigns: Word[];
  /** argv after brace expansion; empty for assignment-only or redirect-only commands. */
  words: Word[];
  readonly redirects: Redirect[];
  /** Commands that receive this one's output: the next pipeline stage, or the command a substitution sits in. */
  readonly next: number[];
}

export interface ParsedShell {
  readonly commands: ShellCommand[];
  /** Why the command could not be fully understood (judged `ask`). Empty when parsed cleanly. */
  readonly problems: string[];
}

export function isQuoted(w: Word): boolean {
  return w.quoteStart !== Infinity;
}
