/**
 * Commands that run another command. Claude Code strips a fixed set before matching
 * (`timeout`, `time`, `nice`, `nohup`, `stdbuf`, `command`, `builtin`, `noglob`, flagless
 * `xargs`, known-safe variable assignments); Warden does too (transparent). The others are
 * judged themselves *and* their inner command is judged: `sudo`, `env` with options,
 * `xargs` with flags, `bash -c`, `eval`, `su -c`, `find -exec`, `busybox`; and some
 * always ask, as in Claude Code (`watch`, `setsid`, `ionice`, `flock`, `find -exec/-delete`).
 */
import type { Word } from './ast.js';
import { firstOperand, type OptSpec } from './options.js';

export interface Unwrap {
  /** The wrapper is a command of its own that rules must allow (else only deny/ask see it). */
  judged: boolean;
  /** The matcher asks for this wrapper whatever allow rules say. */
  alwaysAsk?: string;
  /** Where the wrapped command starts in argv. */
  inner?: number;
  /** Further wrapped commands as argv ranges (`find -exec … ;`). */
  ranges?: [number, number][];
  /** A script the wrapper runs: argv words joined by spaces, or one literal string. */
  script?: { from: number; to: number } | { text: string; dynamic: boolean };
}

type Handler = (w: readonly Word[], a: readonly string[]) => Unwrap | null;

const SAFE_VARS = /^(?:NODE_ENV|CI|DEBUG|LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|NO_COLOR|FORCE_COLOR|COLUMNS|LINES|RUST_BACKTRACE|RUST_LOG|PYTHONUNBUFFERED|PYTHONDONTWRITEBYTECODE|GOOS|GOARCH|CGO_ENABLED|VERBOSE)$/;

/** Variables whose assignment cannot change what runs (unlike PATH, LD_PRELOAD, NODE_OPTIONS…). */
export function isSafeAssignment(text: string): boolean {
  const eq = text.indexOf('=');
  return SAFE_VARS.test(text.slice(0, text.endsWith('+=') ? eq - 1 : eq));
}

function operand(spec: OptSpec): Handler {
  return (_w, a) => {
    const i = firstOperand(a, 1, spec);
    return i < a.length ? { judged: false, inner: i } : null;
  };
}

/** A wrapper judged itself (even with nothing to run: `sudo -i`), optionally always asking. */
function judged(h: Handler, alwaysAsk?: string): Handler {
  return (w, a) => ({ ...h(w, a), judged: true, ...(alwaysAsk ? { alwaysAsk } : {}) });
}

const SHELL: Handler = (_w, a) => {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    if (x === '-o' || x === '+o' || x === '-O' || x === '+O') i++;
    else if (/^-[A-Za-z]*c[A-Za-z]*$/.test(x)) {
      let j = i + 1;
      while (j < a.length && /^[-+][A-Za-z]+$/.test(a[j]!)) j++;
      return j < a.length ? { judged: true, script: { from: j, to: j + 1 } } : { judged: true };
    } else if (!/^(?:[-+][A-Za-z]+|--[a-z-]+)$/.test(x)) return null; // `bash script.sh`: runs a file
  }
  return null; // an interactive shell, or one reading its script from stdin
};

const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish']);

/**
 * Whether this argv is a shell reading its script from stdin: `bash`, `sh -s`, `bash -x -s -- a`
 * (not `bash file.sh`, not `bash -c '…'`). Its here-string or here-document is then a script.
 */
export function readsScriptFromStdin(name: string, a: readonly string[]): boolean {
  if (!SHELL_NAMES.has(name)) return false;
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    if (x === '-o' || x === '+o' || x === '-O' || x === '+O') i++;
    else if (/^-[A-Za-z]*c[A-Za-z]*$/.test(x)) return false;
    else if (/^-[A-Za-z]*s[A-Za-z]*$/.test(x)) return true;
    else if (!/^(?:[-+][A-Za-z]+|--[a-z-]+)$/.test(x)) return false;
  }
  return true;
}

const ENV: Handler = (_w, a) => {
  let i = 1;
  let judged = false;
  let script: Unwrap['script'];
  for (; i < a.length; i++) {
    const x = a[i]!;
    if (x === '--') {
      i++;
      break;
    }
    if (x === '-S' || x === '--split-string') script = { from: i + 1, to: i + 2 };
    else if (x.startsWith('--split-string=')) script = { text: x.slice(15), dynamic: x.includes('$') };
    if (!x.startsWith('-')) break;
    judged = true;
    if (x === '-u' || x === '-C' || x === '-S' || x === '--unset' || x === '--chdir' || x === '--split-string') i++;
  }
  for (; i < a.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a[i]!); i++) if (!isSafeAssignment(a[i]!)) judged = true;
  if (script) return { judged: true, script };
  return i < a.length ? { judged, inner: i } : null;
};

const XARGS: Handler = (_w, a) => {
  if (a.length > 1 && !a[1]!.startsWith('-')) return { judged: false, inner: 1 };
  const i = firstOperand(a, 1, { short: 'IELnPdsa', long: ['max-args', 'max-procs', 'delimiter', 'arg-file', 'eof', 'replace', 'max-lines', 'max-chars', 'process-slot-var'] });
  return { judged: true, ...(i < a.length ? { inner: i } : {}) };
};

const FIND: Handler = (_w, a) => {
  const ranges: [number, number][] = [];
  let deletes = false;
  for (let i = 1; i < a.length; i++) {
    if (a[i] === '-delete') deletes = true;
    if (a[i] === '-exec' || a[i] === '-execdir' || a[i] === '-ok' || a[i] === '-okdir') {
      let j = i + 1;
      while (j < a.length && a[j] !== ';' && a[j] !== '+') j++;
      if (j > i + 1) ranges.push([i + 1, j]);
      i = j;
    }
  }
  if (!ranges.length && !deletes) return null;
  return { judged: true, alwaysAsk: 'find with -exec or -delete', ranges };
};

const FLOCK: Handler = (_w, a) => {
  const f = firstOperand(a, 1, { short: 'wE', long: ['timeout', 'conflict-exit-code'] });
  const out: Unwrap = { judged: true, alwaysAsk: 'flock' };
  if (a[f + 1] === '-c' || a[f + 1] === '--command') out.script = { from: f + 2, to: f + 3 };
  else if (f + 1 < a.length) out.inner = f + 1;
  return out;
};

const SU: Handler = (_w, a) => {
  for (let i = 1; i < a.length; i++) {
    if (a[i] === '-c' || a[i] === '--command') return { judged: true, script: { from: i + 1, to: i + 2 } };
    if (a[i]!.startsWith('--command=')) return { judged: true, script: { text: a[i]!.slice(10), dynamic: a[i]!.includes('$') } };
    if (a[i] === '-s' || a[i] === '-g' || a[i] === '-G' || a[i] === '--shell' || a[i] === '--group') i++;
  }
  return null;
};

const WATCH: Handler = (_w, a) => {
  const exec = a.includes('-x') || a.includes('--exec');
  const i = firstOperand(a, 1, { short: 'nd', long: ['interval', 'differences'] });
  if (i >= a.length) return null;
  return exec ? { judged: true, alwaysAsk: 'watch', inner: i } : { judged: true, alwaysAsk: 'watch', script: { from: i, to: a.length } };
};

export const WRAPPERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['timeout', (_w, a) => {
    const d = firstOperand(a, 1, { short: 'ks', long: ['signal', 'kill-after'] });
    return d + 1 < a.length ? { judged: false, inner: d + 1 } : null;
  }],
  ['time', operand({ short: 'fo', long: ['format', 'output'] })],
  ['nice', operand({ short: 'n', long: ['adjustment'] })],
  ['nohup', operand({})],
  ['stdbuf', operand({ short: 'ioe', long: ['input', 'output', 'error'] })],
  ['command', (w, a) => (a.slice(1).some((x) => /^-[A-Za-z]*[vV]/.test(x)) ? null : operand({})(w, a))],
  ['builtin', operand({})],
  ['noglob', operand({})],
  ['exec', operand({ short: 'a' })],
  ['xargs', XARGS],
  ['sudo', judged(operand({ short: 'ugCDhprtUTR', long: ['user', 'group', 'close-from', 'chdir', 'host', 'prompt', 'role', 'type', 'other-user', 'command-timeout', 'chroot'] }))],
  ['doas', judged(operand({ short: 'uC' }))],
  ['su', SU],
  ['env', ENV],
  ['busybox', judged(operand({}))],
  ['eval', (_w, a) => ({ judged: true, script: { from: 1, to: a.length } })],
  ['setsid', judged(operand({}), 'setsid')],
  ['ionice', judged(operand({ short: 'cnpPu' }), 'ionice')],
  ['flock', FLOCK],
  ['watch', WATCH],
  ['find', FIND],
  ...[...SHELL_NAMES].map((s): [string, Handler] => [s, SHELL]),
]);
