/**
 * The words of one simple command: assignments, argv, redirections, and the keywords of
 * compound commands (`if`, `while`, `{`, `[[ … ]]`, `for … in`, function definitions)
 * that are dropped so the commands inside them are judged as commands.
 */
import { isQuoted, type Redirect, type ShellCommand, type Word } from './ast.js';
import { skipBlanks, type Scanner } from './cursor.js';
import { readWord, skipArithmetic } from './scanner.js';

const PREFIX = new Set(['if', 'then', 'elif', 'else', 'do', 'while', 'until', '!', '{', 'coproc']);
const SUFFIX = new Set(['fi', 'done', '}', 'esac']);
const REDIRECT_OPS = ['&>>', '&>', '<<<', '<<-', '<<', '<>', '<&', '>>', '>&', '>|', '<', '>'];
const TEST_OPERATORS = /^(?:&&|\|\||[<>()!])/;

type Link = (range: [number, number]) => void;

/** `NAME=value` or `NAME+=value` with an unquoted name. */
export function isAssignment(w: Word): boolean {
  const m = /^[A-Za-z_][A-Za-z0-9_]*\+?=/.exec(w.text);
  return m !== null && (!isQuoted(w) || w.quoteStart >= m[0].length);
}

function wordAt(sc: Scanner, depth: number, link: Link): Word[] | null {
  const start = sc.commands.length;
  const words = readWord(sc, depth);
  if (sc.commands.length > start) link([start, sc.commands.length]);
  return words;
}

function readRedirect(sc: Scanner, cmd: ShellCommand, depth: number, link: Link): void {
  const op = REDIRECT_OPS.find((o) => sc.src.startsWith(o, sc.i));
  if (!op) {
    sc.i++;
    return;
  }
  sc.i += op.length;
  skipBlanks(sc);
  const target = wordAt(sc, depth, link)?.[0];
  if (!target) {
    sc.problem('redirection without a target');
    return;
  }
  if (op === '<<' || op === '<<-') {
    const redirect: Redirect = { op, target: null };
    sc.heredocs.push({ delim: target.text, strip: op === '<<-', expand: !isQuoted(target), cmd, redirect });
    cmd.redirects.push(redirect);
  } else cmd.redirects.push({ op, target });
}

/** `(` inside a command: `name()` defines a function, `a=(…)` is an array. */
function openParen(sc: Scanner, cmd: ShellCommand, depth: number, link: Link): 'stop' | 'go' {
  const src = sc.src;
  const fn = /^\(\s*\)/.exec(src.slice(sc.i, sc.i + 64));
  if (fn && cmd.words.length === 1 && cmd.assigns.length === 0) {
    sc.i += fn[0].length;
    cmd.words = [];
    return 'stop';
  }
  const last = cmd.assigns[cmd.assigns.length - 1];
  if (cmd.words.length === 0 && last?.text.endsWith('=')) {
    sc.i++;
    for (;;) {
      skipBlanks(sc);
      if (src[sc.i] === '\n') sc.i++;
      else if (sc.i >= src.length || src[sc.i] === ')') break;
      else if (!wordAt(sc, depth, link)) sc.i++;
    }
    if (src[sc.i] === ')') sc.i++;
    return 'go';
  }
  sc.problem('unexpected (');
  sc.i++;
  return 'go';
}

export function readCommandWords(sc: Scanner, cmd: ShellCommand, depth: number, afterGroup: boolean, link: Link): void {
  const src = sc.src;
  let header = false; // `for x in …`, `select`, `case`: words that are not a command
  let test = false; // inside `[[ … ]]`: a test, its operators are not list operators
  for (;;) {
    skipBlanks(sc);
    if (sc.i >= src.length || sc.stopped) break;
    const c = src[sc.i]!;
    if (test) {
      const op = TEST_OPERATORS.exec(src.slice(sc.i, sc.i + 2));
      if (op) sc.i += op[0].length;
      else if (c === '\n') break;
      else {
        const ws = wordAt(sc, depth, link);
        if (!ws) sc.i++;
        else if (ws[0]?.text === ']]') test = false;
      }
      continue;
    }
    if (c === '\n' || c === ';' || c === ')' || c === '|' || (c === '&' && src[sc.i + 1] !== '>')) break;
    if (c === '(' && src[sc.i + 1] === '(' && cmd.words.length === 0) {
      sc.i += 2; // `(( … ))` and `for (( … ))`
      skipArithmetic(sc, depth + 1);
      continue;
    }
    if (c === '(') {
      if (openParen(sc, cmd, depth, link) === 'stop') return;
      continue;
    }
    if (((c === '<' || c === '>') && src[sc.i + 1] !== '(') || c === '&') {
      readRedirect(sc, cmd, depth, link);
      continue;
    }
    const words = wordAt(sc, depth, link);
    if (!words) {
      sc.i++;
      continue;
    }
    const w = words[0]!;
    if (words.length === 1 && /^\d+$/.test(w.text) && !isQuoted(w) && (src[sc.i] === '<' || src[sc.i] === '>') && src[sc.i + 1] !== '(') {
      readRedirect(sc, cmd, depth, link);
      continue;
    }
    if (header) continue;
    if (cmd.words.length === 0 && !afterGroup) {
      if (cmd.assigns.length === 0 && words.length === 1 && !isQuoted(w)) {
        const t = w.text;
        if (PREFIX.has(t) || SUFFIX.has(t)) continue;
        if (t === 'for' || t === 'select' || t === 'case') {
          if (t === 'case') sc.problem('case statements are not parsed');
          header = true;
          continue;
        }
        if (t === '[[') {
          test = true;
          continue;
        }
        if (t === 'function') {
          skipBlanks(sc);
          wordAt(sc, depth, link);
          const paren = /^\s*\(\s*\)/.exec(src.slice(sc.i, sc.i + 64));
          if (paren) sc.i += paren[0].length;
          return;
        }
      }
      if (words.length === 1 && isAssignment(w)) {
        cmd.assigns.push(w);
        continue;
      }
    }
    cmd.words.push(...words);
  }
  if (header) cmd.words = [];
}
