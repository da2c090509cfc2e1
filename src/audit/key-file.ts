/**
 * The audit HMAC key. Without a key, whoever can write the audit files can forge a record
 * and re-hash the chain and HEAD after it; so unless `audit.hmac_key` is given, the writer
 * generates a random key on its first start into a file OUTSIDE the audit folder (someone
 * who copies or rewrites the folder does not get the key with it), mode 0600, and reuses
 * it ever after. It is generated once: an existing file is never replaced.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WardenError } from '../core/errors.js';

/** Shortest key accepted (the same bound as `audit.hmac_key`). */
const MIN_KEY_CHARS = 16;

/** Where the key lives when `audit.key_file` is not set: beside the audit folder, not in it. */
export function defaultKeyFile(auditDir: string): string {
  return `${resolve(auditDir)}.key`;
}

export interface AuditKeySettings {
  /** `audit.hmac_key`: when set, it is the key and no file is read or written. */
  hmacKey?: string;
  /** `audit.key_file`, resolved; defaults to defaultKeyFile(auditDir). */
  keyFile?: string;
  auditDir: string;
}

export interface AuditKey {
  key: string;
  /** Where it came from, for messages: `audit.hmac_key` or the file's path. */
  source: string;
  /** This call created the key file. */
  generated: boolean;
}

export interface WriterKey extends AuditKey {
  /** Writes a generated key to its file (no-op otherwise): call once the log is open under it. */
  persist(): void;
}

/**
 * The writer's key: `audit.hmac_key`, else the key file's, else a new random key that
 * persist() writes to the key file. The key file is created only after the log opened under
 * the new key, so a start that fails (lock held, damaged log) leaves no key behind and the
 * next one is still the first.
 */
export function writerAuditKey(s: AuditKeySettings): WriterKey {
  if (s.hmacKey !== undefined) return { key: s.hmacKey, source: 'audit.hmac_key', generated: false, persist() {} };
  const path = keyFilePath(s);
  if (statSync(path, { throwIfNoEntry: false }) !== undefined) return { key: readKeyFile(path), source: path, generated: false, persist() {} };
  const key = randomBytes(32).toString('hex');
  return { key, source: path, generated: true, persist: () => createKeyFile(path, key) };
}

/**
 * The key `audit verify` checks with. Never generates one: a missing key is an error, since
 * verifying a keyed log without it (or a forged unkeyed log as if it were fine) proves nothing.
 */
export function verifierAuditKey(s: AuditKeySettings): AuditKey {
  if (s.hmacKey !== undefined) return { key: s.hmacKey, source: 'audit.hmac_key', generated: false };
  const path = keyFilePath(s);
  if (statSync(path, { throwIfNoEntry: false }) === undefined) {
    throw new WardenError(
      'WARDEN_E_CONFIG_INVALID',
      `no audit key: ${path} does not exist and audit.hmac_key is not set. Give the key the log was written with (--key-file PATH, audit.key_file or audit.hmac_key); only for a log written before keyed mode, pass --unkeyed (a forged record re-hashed with SHA-256 then goes unseen)`,
    );
  }
  return { key: readKeyFile(path), source: path, generated: false };
}

/** `audit verify`'s key from its options: `--unkeyed` (none), `--key-file`, else the configured key. */
export function verifyKeyOption(ctx: { auditDir: string; hmacKey?: string; keyFile?: string }, keyFileFlag: string | undefined, unkeyed: boolean): string | undefined {
  if (unkeyed && keyFileFlag !== undefined) throw new WardenError('WARDEN_E_CONFIG_INVALID', '--unkeyed and --key-file exclude each other');
  if (unkeyed) return undefined;
  if (keyFileFlag !== undefined) return verifierAuditKey({ keyFile: keyFileFlag, auditDir: ctx.auditDir }).key;
  return verifierAuditKey(ctx).key;
}

function keyFilePath(s: AuditKeySettings): string {
  const path = s.keyFile !== undefined ? resolve(s.keyFile) : defaultKeyFile(s.auditDir);
  if (isInside(realish(path), realish(s.auditDir))) {
    throw new WardenError('WARDEN_E_CONFIG_INVALID', `audit.key_file ${path} is inside audit.dir ${s.auditDir}: keep the key out of the folder it protects (whoever can rewrite the log must not find the key beside it)`);
  }
  return path;
}

/** Reads a key file; refuses one that other users may read or write, or that is too short. */
export function readKeyFile(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new WardenError('WARDEN_E_CONFIG_INVALID', `cannot read the audit key file ${path}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new WardenError('WARDEN_E_CONFIG_INVALID', `the audit key file ${path} is not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new WardenError('WARDEN_E_CONFIG_INVALID', `the audit key file ${path} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  }
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < MIN_KEY_CHARS) throw new WardenError('WARDEN_E_CONFIG_INVALID', `the audit key file ${path} holds fewer than ${MIN_KEY_CHARS} characters`);
  return key;
}

/**
 * Writes `key` to `path`, which must not exist. Written to a temporary file, flushed, then
 * linked into place: link() fails on an existing name, so a key file is never replaced
 * (two Wardens sharing one key file and starting at once: the second fails), and a crash
 * never leaves a half-written key under the real name.
 */
function createKeyFile(path: string, key: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new WardenError('WARDEN_E_CONFIG_INVALID', `the audit key file ${path} was created by another process while this one generated its own: restart (the file is never replaced)`);
    }
    throw e;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dir);
}

function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const d = openSync(dir, 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}

/** The real path of `p`, or of its nearest existing ancestor with the rest appended (p may not exist yet). */
function realish(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realish(parent), basename(abs));
  }
}

function isInside(p: string, dir: string): boolean {
  const rel = relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
