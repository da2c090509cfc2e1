/** The splitter's cursor over the source, and what it collects while it reads. */
import type { Redirect, ShellCommand } from './ast.js';

export interface PendingHeredoc {
  delim: string;
  strip: boolean;
  expand: boolean;
  cmd: ShellCommand;
  /** Receives the body (a shell reading it as its script is judged on it). */
  redirect: Redirect;
}

export class Scanner {
  src: string;
  i = 0;
  heredocs: PendingHeredoc[] = [];
  readonly commands: ShellCommand[] = [];
  readonly problems: string[] = [];
  stopped = false;
  edges = 0;
  /** Parses a command list up to its unmatched `)` and consumes it (installed by the parser). */
  nestedList: (depth: number) => void = () => undefined;
  /** Parses a string as a script of its own (backtick bodies, here-document lines). */
  nestedScript: (text: string, depth: number, quotedBody: boolean) => void = () => undefined;

  constructor(src: string) {
    this.src = src;
  }

  problem(why: string): void {
    if (this.problems.length < 8 && !this.problems.includes(why)) this.problems.push(why);
  }
}

/** Spaces, tabs, line continuations and comments (not newlines: they end commands). */
export function skipBlanks(sc: Scanner): void {
  const src = sc.src;
  while (sc.i < src.length) {
    const c = src[sc.i];
    if (c === ' ' || c === '\t') sc.i++;
    else if (c === '\\' && src[sc.i + 1] === '\n') sc.i += 2;
    else if (c === '#') {
      const nl = src.indexOf('\n', sc.i);
      sc.i = nl < 0 ? src.length : nl;
    } else return;
  }
}
