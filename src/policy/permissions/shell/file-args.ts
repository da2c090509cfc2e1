/**
 * Which files a command reads or writes, from its argv: `cat .env`, `head -n 5 key.pem`,
 * `grep -r TOKEN .env`, `cp ~/.ssh/id_rsa /tmp`, `curl -d @.env …`, and redirections
 * (`< .env`, `> ~/.ssh/authorized_keys`). Read and Edit deny/ask rules are applied to
 * them, as Claude Code does for its recognised file commands. A heuristic table, not a
 * sandbox: a script that opens files itself is not seen.
 */
import type { ShellCommand, Word } from './ast.js';
import { EXPANSION } from '../glob-compile.js';
import type { Unit } from './units.js';

export interface FileAccess {
  readonly word: Word;
  readonly read: boolean;
  readonly write: boolean;
  /** An output redirection: not part of the text Bash rules match, so allow rules do not cover it. */
  readonly redirect?: boolean;
}

/** `value`: the option takes a value that is not a file (`sqlite3 -cmd SQL`). */
type FileOpt = 'read' | 'write' | 'at' | 'form' | 'value';

interface Spec {
  /** What the operands are: read, written, both, copied (all read, the last written), or only the first both (a database file, then SQL). */
  mode: 'read' | 'write' | 'both' | 'copy' | 'first' | 'none';
  valued?: string;
  long?: readonly string[];
  /** The first operand is a program or pattern (grep, sed, awk, jq) unless one of these options gives it. */
  program?: readonly string[];
  /** The first operand is a mode or owner (chmod, chown). */
  skipFirst?: boolean;
  /** Options whose value is a file; `at`: a value `@file`; `form`: `name=@file`. */
  files?: Readonly<Record<string, FileOpt>>;
  /** Options that turn read operands into writes (`sed -i`). */
  inPlace?: readonly string[];
}

const READ: Spec = { mode: 'read' };
const SPECS = new Map<string, Spec>();
const set = (names: string, spec: Spec): void => names.split(' ').forEach((n) => SPECS.set(n, spec));

set('cat tac nl more less most bat batcat strings hexdump hd base32 basenc uniq paste comm fmt zcat zless zmore bzcat xzcat lzcat zstdcat source . md5sum sha1sum sha256sum sha512sum', READ);
set('head', { mode: 'read', valued: 'nc', long: ['lines', 'bytes'] });
set('tail', { mode: 'read', valued: 'ncs', long: ['lines', 'bytes', 'sleep-interval', 'pid'] });
set('od', { mode: 'read', valued: 'AjNtw' });
set('xxd', { mode: 'both', valued: 'cglsno' });
set('base64', { mode: 'read', valued: 'w' });
set('sort', { mode: 'read', valued: 'ktSTo', files: { '-o': 'write', '--output': 'write' } });
set('cut', { mode: 'read', valued: 'dfcb' });
set('diff cmp', { mode: 'read', valued: 'CUFLI' });
set('fold column', { mode: 'read', valued: 'wcst' });
set('iconv', { mode: 'read', valued: 'fto', files: { '-o': 'write' } });
set('grep egrep fgrep rg ag ack', { mode: 'read', valued: 'efmABCdDgtT', program: ['-e', '-f', '--regexp', '--file'], files: { '-f': 'read', '--file': 'read' } });
set('sed', { mode: 'read', valued: 'efl', program: ['-e', '-f', '--expression', '--file'], files: { '-f': 'read', '--file': 'read' }, inPlace: ['-i', '--in-place'] });
set('awk gawk mawk nawk', { mode: 'read', valued: 'Ffv', program: ['-f', '--file'], files: { '-f': 'read', '--file': 'read' }, inPlace: ['-i'] });
set('jq yq', { mode: 'read', valued: 'f', program: ['-f', '--from-file'], files: { '-f': 'read', '--from-file': 'read' } });
set('cp install', { mode: 'copy', valued: 'tSm', files: { '-t': 'write', '--target-directory': 'write' } });
set('mv', { mode: 'both', valued: 'tS', files: { '-t': 'write', '--target-directory': 'write' } });
set('scp', { mode: 'copy', valued: 'cFiloPSJ', files: { '-i': 'read', '-F': 'read' } });
set('rsync', { mode: 'copy', long: ['exclude', 'include', 'rsh', 'filter'] });
set('rm shred unlink rmdir', { mode: 'write' });
set('tee', { mode: 'write' });
set('touch', { mode: 'write', valued: 'dtr', files: { '-r': 'read' } });
set('truncate', { mode: 'write', valued: 'sr', files: { '-r': 'read' } });
set('chmod chown chgrp', { mode: 'write', skipFirst: true, long: ['reference'] });
set('ln', { mode: 'copy', valued: 'tS' });
set('vi vim nvim nano emacs code', { mode: 'both' });
set('tar zip 7z', { mode: 'read', valued: 'fCT', files: { '-f': 'read', '-T': 'read' } });
set('openssl', { mode: 'none', files: { '-in': 'read', '-inkey': 'read', '-key': 'read', '-out': 'write', '-kfile': 'read', '-pass': 'read' } });
set('curl', {
  mode: 'none',
  valued: 'dFTobcKEHuXAeLmrwxyzY',
  long: ['data', 'data-binary', 'data-urlencode', 'data-ascii', 'json', 'form', 'upload-file', 'output', 'config', 'cert', 'key', 'cookie-jar', 'header', 'user', 'request'],
  files: { '-d': 'at', '--data': 'at', '--data-binary': 'at', '--data-urlencode': 'at', '--data-ascii': 'at', '--json': 'at', '-F': 'form', '--form': 'form', '-T': 'read', '--upload-file': 'read', '-o': 'write', '--output': 'write', '-K': 'read', '--config': 'read', '-E': 'read', '--cert': 'read', '--key': 'read', '-c': 'write', '--cookie-jar': 'write', '-H': 'at', '--header': 'at' },
});
set('wget', { mode: 'none', valued: 'OoiaeP', long: ['post-file', 'body-file', 'output-document', 'input-file'], files: { '--post-file': 'read', '--body-file': 'read', '-O': 'write', '--output-document': 'write', '-i': 'read', '--input-file': 'read', '-o': 'write', '-a': 'write' } });
set('dd', { mode: 'none' });
set('sqlite3 sqlite litecli', { mode: 'first', files: { '-init': 'read', '-cmd': 'value', '-separator': 'value', '-newline': 'value', '-nullvalue': 'value', '-vfs': 'value', '-mmap': 'value', '-maxsize': 'value' } });

/** A word for the part of `w` from `offset` on (an option's attached value). */
function suffix(w: Word, offset: number): Word {
  return { ...w, text: w.text.slice(offset), pattern: w.pattern === null ? null : EXPANSION, tilde: w.text[offset] === '~' };
}

function fileOpt(kind: FileOpt, value: Word, out: FileAccess[]): void {
  if (kind === 'value') return;
  if (kind === 'at') {
    if (value.text.startsWith('@') && value.text !== '@-') out.push({ word: suffix(value, 1), read: true, write: false });
    return;
  }
  if (kind === 'form') {
    const m = /=[@<]/.exec(value.text);
    if (m) out.push({ word: { ...suffix(value, m.index + 2), text: value.text.slice(m.index + 2).split(';')[0]! }, read: true, write: false });
    return;
  }
  out.push({ word: value, read: kind === 'read', write: kind === 'write' });
}

export function fileAccesses(unit: Unit, out: FileAccess[]): void {
  const spec = SPECS.get(unit.name);
  if (!spec) return;
  const argv = unit.argv;
  if (unit.name === 'dd') {
    for (const w of argv) if (/^(?:if|of)=/.test(w.text)) out.push({ word: suffix(w, 3), read: w.text[0] === 'i', write: w.text[0] === 'o' });
    return;
  }
  const texts = argv.map((w) => w.text);
  let program = !!spec.program && !texts.some((t) => spec.program!.some((p) => t === p || t.startsWith(`${p}=`) || (p.length === 2 && t.startsWith(p))));
  const inPlace = !!spec.inPlace && texts.some((t) => spec.inPlace!.some((p) => t === p || t.startsWith(p)));
  let skipFirst = !!spec.skipFirst;
  const operands: Word[] = [];
  let optsDone = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const t = w.text;
    if (!optsDone && t === '--') optsDone = true;
    else if (!optsDone && t.startsWith('-') && t.length > 1) {
      const exact = spec.files?.[t];
      if (t.startsWith('--') || exact) {
        const eq = t.indexOf('=');
        const name = eq < 0 ? t : t.slice(0, eq);
        const kind = spec.files?.[name];
        const separate = eq < 0 && (exact !== undefined || !!spec.long?.includes(name.slice(2)));
        const value = eq >= 0 ? suffix(w, eq + 1) : separate ? argv[++i] : undefined;
        if (kind && value) fileOpt(kind, value, out);
        continue;
      }
      for (let k = 1; k < t.length; k++) {
        if (!spec.valued?.includes(t[k]!)) continue;
        const value = k + 1 < t.length ? suffix(w, k + 1) : argv[++i];
        const kind = spec.files?.[`-${t[k]}`];
        if (kind && value) fileOpt(kind, value, out);
        break;
      }
    } else if (program) program = false;
    else if (skipFirst) skipFirst = false;
    else operands.push(w);
  }
  const last = operands.length - 1;
  operands.forEach((word, k) => {
    const m = spec.mode;
    if (m === 'none' || (m === 'first' && k > 0)) return;
    const write = m === 'write' || m === 'both' || m === 'first' || (m === 'copy' && k === last && k > 0) || inPlace;
    const read = m === 'read' || m === 'both' || m === 'first' || (m === 'copy' && (k < last || k === 0));
    out.push({ word, read, write });
  });
}

const DEVICES = /^(?:\/dev\/(?:null|zero|stdin|stdout|stderr|tty|fd\/\d+)|-)$/;

/** Streams that are no file a rule protects (`> /dev/null`, `dd of=/dev/null`, `-` for stdin). */
export function isDeviceStream(w: Word): boolean {
  return w.pattern === null && DEVICES.test(w.text);
}

export function redirectAccesses(cmd: ShellCommand, out: FileAccess[]): void {
  for (const r of cmd.redirects) {
    const w = r.target;
    if (!w || r.op === '<<<' || isDeviceStream(w)) continue;
    if ((r.op === '>&' || r.op === '<&') && /^(?:\d+-?|-)$/.test(w.text)) continue; // fd duplication
    const read = r.op === '<' || r.op === '<>' || r.op === '<&';
    out.push({ word: w, read, write: !read || r.op === '<>', redirect: true });
  }
}
