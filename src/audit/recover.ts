/**
 * Finding where the chain stands when a writer opens an existing folder: the last valid
 * record (reading only the end of the newest files), whether garbage follows it (a write
 * cut by a crash or power loss), and whether HEAD still agrees with the records (or only
 * lags them).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../core/errors.js';
import { HEAD_FILE, MISSING_HEAD_MARK, listAuditFiles, lostHeadName, readTailLines, fileSize } from './files.js';
import { GENESIS, PLAIN, checkLine, type Hasher } from './format.js';
import { headMacOk, readHead } from './head-file.js';

export interface ChainPosition {
  seq: number;
  hash: string;
  /** Number of the file to append to. */
  fileNo: number;
  /** That file already exists and ends cleanly; its size, to rotate without stat calls. */
  existingSize: number | null;
  /** Keyed writer, last record unkeyed: a log from before the key, continued in a new keyed file. */
  plainTip: boolean;
}

function notVerifying(dir: string, file: string, hasher: Hasher): WardenError {
  const hint =
    hasher.alg === 'hmac-sha256'
      ? 'the log was written with another key, or without one (an unkeyed log is continued under the key only by the start that generates the key file)'
      : 'the log was written with an HMAC key (configure it)';
  return new WardenError(
    'WARDEN_E_CONFIG_INVALID',
    `the last record of ${join(dir, file)} does not verify under ${hasher.alg} (${hint}, or it was tampered with); run \`warden audit verify\`, and start a new audit.dir when changing the key`,
  );
}

interface LastRecord {
  seq: number;
  hash: string;
  dirty: boolean;
  plain: boolean;
}

/** The last valid record of one file, scanning back past damaged lines. */
function lastRecordOf(path: string, name: string, dir: string, hasher: Hasher): LastRecord | null {
  let found: { seq: number; hash: string; at: number; plain: boolean } | null = null;
  let damagedSeen = false;
  const legacy = hasher.alg === 'hmac-sha256' ? PLAIN : undefined;
  const tail = readTailLines(path, (lines) => {
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      const c = checkLine(l, 0, l.length, hasher, legacy);
      if (c.kind === 'ok') {
        found = { seq: c.seq, hash: c.hash, at: i, plain: c.plain === true };
        return true;
      }
      if (c.kind === 'edited') throw notVerifying(dir, name, hasher);
      damagedSeen = true;
    }
    found = null;
    return false;
  });
  const f = found as { seq: number; hash: string; at: number; plain: boolean } | null;
  if (!f) return tail.size > 0 || damagedSeen ? { seq: -1, hash: '', dirty: true, plain: false } : null;
  return { seq: f.seq, hash: f.hash, dirty: tail.torn || f.at < tail.lines.length - 1, plain: f.plain };
}

export function recoverChain(dir: string, hasher: Hasher, adoptUnkeyed = false): ChainPosition {
  const files = listAuditFiles(dir);
  if (files.length === 0) return { seq: 0, hash: GENESIS, fileNo: 1, existingSize: null, plainTip: false };
  const last = files[files.length - 1]!;
  let lastDirty = false;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    const r = lastRecordOf(f.path, f.name, dir, hasher);
    if (i === files.length - 1) lastDirty = r?.dirty ?? false;
    if (r && r.seq >= 0) {
      if (r.plain && !mayContinuePlain(dir, r, hasher, adoptUnkeyed)) throw notVerifying(dir, f.name, hasher);
      // Never append after garbage: a torn line followed by a good one would read as an edit.
      // The keyed continuation of an unkeyed log starts in a file of its own.
      const fresh = lastDirty || (r.plain && i === files.length - 1);
      return { seq: r.seq, hash: r.hash, fileNo: fresh ? last.n + 1 : last.n, existingSize: fresh ? null : fileSize(last.path), plainTip: r.plain };
    }
  }
  return { seq: 0, hash: GENESIS, fileNo: lastDirty ? last.n + 1 : last.n, existingSize: lastDirty ? null : fileSize(last.path), plainTip: false };
}

/**
 * A keyed writer continues an unkeyed tip only (a) when told to adopt an unkeyed log — the
 * start that generated the key, upgrading a log written before keyed mode — or (b) when a
 * keyed HEAD with a valid MAC vouches for exactly that record (an earlier keyed start that
 * wrote nothing). Anything else is a log rewritten without the key (every record re-hashed
 * with SHA-256, HEAD too): refuse rather than seal it. Nothing in the folder can tell such
 * a rewrite from a genuine old log, hence (a) hangs on the key being new.
 */
function mayContinuePlain(dir: string, tip: { seq: number; hash: string }, hasher: Hasher, adoptUnkeyed: boolean): boolean {
  if (adoptUnkeyed) return true;
  const h = readHead(join(dir, HEAD_FILE));
  return h.state === 'ok' && h.head.alg === hasher.alg && headMacOk(h.head, hasher) && h.head.seq === tip.seq && h.head.hash === tip.hash;
}

/**
 * HEAD merely lags the records when, walking back from the last record to HEAD's seq,
 * every line is a well-formed record linked to the one after it, and the link into HEAD's
 * seq carries HEAD's hash. The writer rewrites HEAD once per event-loop turn, so a crash
 * leaves it behind by that turn's records. A hash that is on no record of the chain, or
 * damage between HEAD and the end, is not a lag.
 */
function headLags(dir: string, head: { seq: number; hash: string }, pos: ChainPosition, hasher: Hasher): boolean {
  const files = listAuditFiles(dir);
  // The record expected next, walking back; null while still past the last good record.
  let want: Link | null = null;
  for (let i = files.length - 1; i >= 0; i--) {
    let step: WalkStep = { want };
    const from = want;
    const tail = readTailLines(files[i]!.path, (lines) => {
      step = walkBack(lines, from, head, pos, hasher);
      return step.verdict !== undefined;
    });
    if (step.verdict !== undefined) return step.verdict;
    // Not read to its start (a lag of more than the largest tail window): not shown to be a lag.
    if (!tail.complete) return false;
    want = step.want;
  }
  return false;
}

interface Link {
  seq: number;
  hash: string;
}

interface WalkStep {
  verdict?: boolean;
  want: Link | null;
}

function walkBack(lines: Buffer[], from: Link | null, head: Link, pos: ChainPosition, hasher: Hasher): WalkStep {
  let want = from;
  for (let j = lines.length - 1; j >= 0; j--) {
    const l = lines[j]!;
    const c = checkLine(l, 0, l.length, hasher);
    if (want === null) {
      // Damage after the last good record is the torn write recoverChain already stepped past.
      if (c.kind !== 'ok') continue;
      want = { seq: pos.seq, hash: pos.hash };
    }
    if (c.kind !== 'ok' || c.seq !== want.seq || c.hash !== want.hash) return { verdict: false, want };
    if (c.seq - 1 === head.seq) return { verdict: c.prev === head.hash, want };
    want = { seq: c.seq - 1, hash: c.prev };
  }
  return { want };
}

/**
 * A HEAD that the records do not bear out (its seq is past the last record, its hash is not
 * the chain's at its seq, its MAC fails or it is unreadable) is evidence of a cut-off tail
 * or a power loss. The writer is about to overwrite HEAD, so it moves it aside first and
 * verify keeps reporting it until an operator has looked (threat: truncate, restart,
 * evidence gone). A HEAD that only lags (see headLags) is simply brought up to date.
 */
export function setAsideStaleHead(dir: string, pos: ChainPosition, hasher: Hasher): string | null {
  const h = readHead(join(dir, HEAD_FILE));
  if (h.state === 'missing') {
    // HEAD exists from the first open on: records without one mean it was deleted (with records cut after it?).
    if (pos.seq === 0) return null;
    const name = lostHeadName();
    writeFileSync(join(dir, name), MISSING_HEAD_MARK, { mode: 0o600, flag: 'wx' });
    return name;
  }
  if (h.state === 'ok') {
    const head = h.head;
    // An unkeyed HEAD is legitimate only over an unkeyed log being continued under the key.
    const headHasher = head.alg === hasher.alg ? hasher : head.alg === 'sha256' && pos.plainTip ? PLAIN : null;
    const consistent =
      headHasher !== null &&
      headMacOk(head, headHasher) &&
      ((head.seq === pos.seq && head.hash === pos.hash) || (head.seq < pos.seq && headLags(dir, head, pos, headHasher)));
    if (consistent) return null;
  }
  const name = lostHeadName();
  renameSync(join(dir, HEAD_FILE), join(dir, name));
  return name;
}
