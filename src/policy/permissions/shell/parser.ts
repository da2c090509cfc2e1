/**
 * Splits a shell script into the simple commands that would run: lists (`;`, `&&`, `||`,
 * `&`, newlines), pipelines (`|`, `|&`), subshells and groups, compound keywords
 * (`if … then … fi`, loops), command substitutions, here-documents. Pipe and substitution
 * edges are kept for pipeline rules (`curl … | sh`). Linear in the input, depth-bounded.
 */
import { MAX_COMMANDS, MAX_EDGES, MAX_NESTING } from '../limits.js';
import type { ParsedShell, ShellCommand } from './ast.js';
import { readCommandWords } from './command.js';
import { Scanner, skipBlanks } from './cursor.js';
import { readDoubleBody } from './scanner.js';
import { WordBuf } from './word-buf.js';

export function parseShell(src: string): ParsedShell {
  const sc = new Scanner(src);
  sc.nestedList = (depth) => nestedList(sc, depth);
  sc.nestedScript = (text, depth, body) => nestedScript(sc, text, depth, body);
  parseList(sc, 0, false);
  return { commands: sc.commands, problems: sc.problems };
}

/** Blanks and newlines, reading the bodies of here-documents the newlines end. */
function skipNewlines(sc: Scanner, depth: number): void {
  for (;;) {
    skipBlanks(sc);
    if (sc.src[sc.i] !== '\n') return;
    sc.i++;
    readHeredocs(sc, depth);
  }
}

function nestedList(sc: Scanner, depth: number): void {
  if (depth > MAX_NESTING) {
    sc.problem('nesting too deep');
    skipBalanced(sc);
    return;
  }
  parseList(sc, depth, true);
  if (sc.src[sc.i] === ')') sc.i++;
  else sc.problem('unbalanced (');
}

function nestedScript(sc: Scanner, text: string, depth: number, heredocBody: boolean): void {
  if (depth > MAX_NESTING) {
    sc.problem('nesting too deep');
    return;
  }
  const saved = { src: sc.src, i: sc.i, heredocs: sc.heredocs };
  sc.src = text;
  sc.i = 0;
  sc.heredocs = [];
  if (heredocBody) readDoubleBody(sc, new WordBuf(), depth, null);
  else parseList(sc, depth, false);
  Object.assign(sc, saved);
}

/** Past the nesting bound: counts parentheses to the matching `)`, no recursion. */
function skipBalanced(sc: Scanner): void {
  let level = 1;
  const src = sc.src;
  while (sc.i < src.length && level > 0) {
    const c = src[sc.i++];
    if (c === '\\') sc.i++;
    else if (c === '(') level++;
    else if (c === ')') level--;
  }
}

function parseList(sc: Scanner, depth: number, inParens: boolean): void {
  const src = sc.src;
  for (;;) {
    if (sc.stopped) {
      sc.i = src.length;
      return;
    }
    skipBlanks(sc);
    if (sc.i >= src.length) return;
    const c = src[sc.i];
    if (c === '\n') {
      sc.i++;
      readHeredocs(sc, depth);
    } else if (c === ';' || c === '&' || c === '|') {
      if (c === '|' || src.startsWith('&&', sc.i)) sc.problem('syntax error near an operator');
      sc.i++;
    } else if (c === ')') {
      if (inParens) return;
      sc.problem('unbalanced )');
      sc.i++;
    } else {
      parsePipeline(sc, depth);
      skipBlanks(sc);
      if (src.startsWith('&&', sc.i) || src.startsWith('||', sc.i)) {
        sc.i += 2;
        skipNewlines(sc, depth);
      }
    }
  }
}

function link(sc: Scanner, from: [number, number], to: [number, number]): void {
  for (let a = from[0]; a < from[1]; a++)
    for (let b = to[0]; b < to[1]; b++) {
      if (++sc.edges > MAX_EDGES) {
        sc.problem('too many pipes to follow');
        return;
      }
      sc.commands[a]!.next.push(b);
    }
}

function parsePipeline(sc: Scanner, depth: number): void {
  const src = sc.src;
  let prev: [number, number] | null = null;
  for (;;) {
    if (sc.stopped) return;
    skipBlanks(sc);
    const start = sc.commands.length;
    const before = sc.i;
    parseCommand(sc, depth);
    const stage: [number, number] = [start, sc.commands.length];
    if (prev) link(sc, prev, stage);
    prev = stage;
    skipBlanks(sc);
    if (src[sc.i] === '|' && src[sc.i + 1] !== '|') {
      sc.i += src[sc.i + 1] === '&' ? 2 : 1;
      skipNewlines(sc, depth);
      continue;
    }
    if (sc.i === before && sc.i < src.length) sc.i++; // never stall on unexpected input
    return;
  }
}

function parseCommand(sc: Scanner, depth: number): void {
  const src = sc.src;
  if (src[sc.i] === '(' && src[sc.i + 1] !== '(') {
    sc.i++;
    nestedList(sc, depth + 1);
    simpleCommand(sc, depth, true); // redirections after `( … )`
    return;
  }
  simpleCommand(sc, depth, false);
}

function simpleCommand(sc: Scanner, depth: number, afterGroup: boolean): void {
  if (sc.commands.length >= MAX_COMMANDS) {
    sc.problem('too many commands');
    sc.stopped = true;
    return;
  }
  const cmd: ShellCommand = { id: sc.commands.length, assigns: [], words: [], redirects: [], next: [] };
  sc.commands.push(cmd);
  readCommandWords(sc, cmd, depth, afterGroup, (range) => link(sc, range, [cmd.id, cmd.id + 1]));
}

/** After a newline: the bodies of pending here-documents; unquoted ones expand `$(…)`. */
function readHeredocs(sc: Scanner, depth: number): void {
  const src = sc.src;
  const pending = sc.heredocs;
  sc.heredocs = [];
  for (const h of pending) {
    const start = sc.i;
    let bodyEnd = start;
    for (;;) {
      if (sc.i >= src.length) break;
      const nl = src.indexOf('\n', sc.i);
      const end = nl < 0 ? src.length : nl;
      const line = src.slice(sc.i, end);
      sc.i = nl < 0 ? src.length : nl + 1;
      if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) break;
      bodyEnd = end;
      if (h.expand && !sc.stopped && (line.includes('$') || line.includes('`'))) {
        const first = sc.commands.length;
        nestedScript(sc, line, depth + 1, true);
        link(sc, [first, sc.commands.length], [h.cmd.id, h.cmd.id + 1]);
      }
    }
    h.redirect.body = { src, start, end: bodyEnd, strip: h.strip, expands: h.expand };
  }
}
