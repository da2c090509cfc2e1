/**
 * `warden connect claude-code [--managed|--user|--project] [--dir D] [--url U] [--dry-run] [--undo]`:
 * routes Claude Code through Warden by merging settings into its files (targets.ts): the
 * base URL, the credential helper, Warden's MCP endpoint, the baseline permission rules
 * and the PreToolUse hook. A second run changes nothing. Beside each file it keeps
 * `<file>.warden-connect.json` — the file as it was and what was merged — so `--undo` puts
 * back the very bytes when nobody touched the file since, and otherwise removes only
 * Warden's parts, leaving the user's later edits.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WardenError } from '../../core/errors.js';
import { containerPaths, deepEqual, emptyRecord, isObject, mergeInto, undoRecord, type JsonObject, type MergeRecord } from './json-merge.js';
import { lineDiff } from './line-diff.js';
import { targetFiles, type ConnectInputs, type TargetFile } from './targets.js';

export { curlOnPath } from './targets.js';

export interface ConnectOptions extends ConnectInputs {
  dryRun: boolean;
  undo: boolean;
}

interface UndoFile {
  version: 1;
  /** The file's text before the first connect; null when there was no file. */
  original: string | null;
  /** The text connect last wrote. */
  written: string;
  record: MergeRecord;
}

const recordPath = (file: string) => `${file}.warden-connect.json`;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new WardenError('WARDEN_E_CLAUDE_SETTINGS', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function parseSettings(path: string, text: string | null): JsonObject {
  if (text === null || text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new WardenError('WARDEN_E_CLAUDE_SETTINGS', `${path} is not valid JSON (${(e as Error).message}); fix it or move it away, then run again`);
  }
  if (!isObject(v)) throw new WardenError('WARDEN_E_CLAUDE_SETTINGS', `${path} must hold a JSON object`);
  return v;
}

/** Replaced atomically: Claude Code may read the file at any moment. */
function writeAtomic(path: string, text: string, like: string | null): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  if (like !== null) chmodSync(tmp, statSync(path).mode & 0o777);
  renameSync(tmp, path);
}

const render = (doc: JsonObject) => `${JSON.stringify(doc, null, 2)}\n`;

function connectOne(t: TargetFile, o: ConnectOptions, out: (s: string) => void): void {
  const text = readText(t.path);
  const doc = parseSettings(t.path, text);
  const merged = structuredClone(doc);
  const rec = emptyRecord();
  mergeInto(merged, t.add, rec);
  if (deepEqual(doc, merged)) {
    out(`unchanged ${t.path}\n`);
    return;
  }
  const next = render(merged);
  if (o.dryRun) {
    out(lineDiff(text ?? '', next, t.path));
    return;
  }
  const rp = recordPath(t.path);
  const prev = readText(rp);
  const undo: UndoFile = prev ? (JSON.parse(prev) as UndoFile) : { version: 1, original: text, written: next, record: emptyRecord() };
  undo.written = next;
  undo.record.appended.push(...rec.appended);
  undo.record.created.push(...rec.created);
  undo.record.replaced.push(...rec.replaced);
  writeAtomic(t.path, next, text);
  writeAtomic(rp, `${JSON.stringify(undo, null, 2)}\n`, null);
  const n = rec.appended.length + rec.created.length + rec.replaced.length;
  out(`wrote ${t.path} (${n} change${n === 1 ? '' : 's'}${rec.replaced.length ? `; replaced ${rec.replaced.map((r) => r.path.join('.')).join(', ')}` : ''})\n`);
}

function undoOne(t: TargetFile, o: ConnectOptions, out: (s: string) => void): void {
  const rp = recordPath(t.path);
  const recText = readText(rp);
  if (recText === null) {
    out(`nothing to undo for ${t.path}\n`);
    return;
  }
  const undo = JSON.parse(recText) as UndoFile;
  const text = readText(t.path);
  let next: string | null;
  let kept: string[] = [];
  if (text === undo.written) next = undo.original;
  else {
    const doc = parseSettings(t.path, text);
    const before = parseSettings(t.path, undo.original);
    kept = undoRecord(doc, undo.record, containerPaths(before));
    next = undo.original === null && Object.keys(doc).length === 0 ? null : render(doc);
  }
  if (o.dryRun) {
    out(lineDiff(text ?? '', next ?? '', t.path));
    return;
  }
  if (next === null) rmSync(t.path, { force: true });
  else writeAtomic(t.path, next, text);
  rmSync(rp, { force: true });
  out(`${next === null ? 'removed' : 'restored'} ${t.path}${kept.length ? ` (kept your later edits of ${kept.join(', ')})` : ''}\n`);
}

export function connectClaudeCode(o: ConnectOptions, out: (s: string) => void): number {
  const targets = targetFiles(o);
  // Parse every file before writing any: a broken one stops the command with nothing half-done.
  for (const t of targets) parseSettings(t.path, readText(t.path));
  for (const t of targets) (o.undo ? undoOne : connectOne)(t, o, out);
  if (!o.undo && !o.dryRun && targets.some((t) => existsSync(recordPath(t.path)))) out(`undo with: warden connect claude-code --${o.scope}${o.dir ? ` --dir ${o.dir}` : ''} --undo\n`);
  return 0;
}
