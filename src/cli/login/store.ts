/**
 * What `warden login` keeps on the developer's machine and `warden token` reads: one JSON
 * file in the user's config folder, mode 0600 in a 0700 folder, replaced atomically (a
 * reader never sees half a file). It holds a refresh token or a virtual key, so a file
 * others can read is refused rather than used.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, chmodSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WardenError } from '../../core/errors.js';

/** Overrides the folder (the folder itself, not its parent). */
export const LOGIN_DIR_ENV = 'WARDEN_LOGIN_DIR';
export const CREDENTIALS_FILE = 'credentials.json';
/** Defaults for `warden login` an administrator or the Claude Code kit may place there. */
export const LOGIN_SETTINGS_FILE = 'login.json';
/**
 * The current bearer as one curl header line (`curl -H @file`), for bin/warden-hook.sh, the
 * hook that does not start node. Kept in step with credentials.json by every save and removal.
 */
export const BEARER_HEADER_FILE = 'bearer.header';

export interface OidcCredentials {
  version: 1;
  kind: 'oidc';
  issuer: string;
  client_id: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  scope?: string;
  resource?: string;
  audience?: string;
  refresh_token?: string;
  access_token: string;
  /** ms since epoch. */
  expires_at: number;
  obtained_at: number;
  /** Who logged in, for messages only (the IdP's `sub` / `preferred_username`); never used to decide. */
  subject?: string;
}

export interface KeyCredentials {
  version: 1;
  kind: 'key';
  key: string;
  obtained_at: number;
}

export type Credentials = OidcCredentials | KeyCredentials;

/** `$WARDEN_LOGIN_DIR`, else `$XDG_CONFIG_HOME/warden`, else `~/.config/warden`. */
export function loginDir(env: Record<string, string | undefined> = process.env): string {
  if (env[LOGIN_DIR_ENV]) return env[LOGIN_DIR_ENV]!;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'warden');
}

const storeError = (message: string) => new WardenError('WARDEN_E_LOGIN_STORE', message);

/** Creates the folder 0700, or tightens an existing one that others could enter. */
function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw storeError(`${dir} is not a folder`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw storeError(`${dir} belongs to another user; set ${LOGIN_DIR_ENV} to a folder of your own`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Writes `text` to `file` with mode 0600 through a temporary file and a rename. */
export function writePrivateFile(file: string, dir: string, text: string): void {
  ensureDir(dir);
  const tmp = join(dir, `.${CREDENTIALS_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename is durable only once the folder's entry is on disk.
  try {
    const d = openSync(dir, 'r');
    try { fsyncSync(d); } finally { closeSync(d); }
  } catch {
    // Some file systems refuse fsync on a folder; the rename already happened.
  }
}

export function credentialsPath(env?: Record<string, string | undefined>): string {
  return join(loginDir(env), CREDENTIALS_FILE);
}

export function saveCredentials(c: Credentials, env?: Record<string, string | undefined>): string {
  const dir = loginDir(env);
  const file = join(dir, CREDENTIALS_FILE);
  writePrivateFile(file, dir, `${JSON.stringify(c, null, 2)}\n`);
  writeBearerHeader(c, env);
  return file;
}

const bearerLine = (c: Credentials) => `authorization: Bearer ${c.kind === 'key' ? c.key : c.access_token}\n`;

function writeBearerHeader(c: Credentials, env?: Record<string, string | undefined>): void {
  const dir = loginDir(env);
  writePrivateFile(join(dir, BEARER_HEADER_FILE), dir, bearerLine(c));
}

/**
 * Writes bearer.header when it is missing or stale (a login stored before the fast hook
 * existed): `warden token`, which Claude Code runs as the apiKeyHelper, brings it in step.
 */
export function syncBearerHeader(c: Credentials, env?: Record<string, string | undefined>): void {
  let current: string | undefined;
  try {
    current = readPrivate(join(loginDir(env), BEARER_HEADER_FILE), loginDir(env), true);
  } catch {
    current = undefined;
  }
  if (current !== bearerLine(c)) writeBearerHeader(c, env);
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parse(file: string, text: string): Credentials {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw storeError(`${file} is not valid JSON; run \`warden login\` again`);
  }
  const o = v as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || o.version !== 1) throw storeError(`${file} is not a credentials file of this Warden version; run \`warden login\` again`);
  if (o.kind === 'key' && str(o.key)) return o as unknown as KeyCredentials;
  if (o.kind === 'oidc' && str(o.issuer) && str(o.client_id) && str(o.token_endpoint) && str(o.access_token) && num(o.expires_at) && num(o.obtained_at)) {
    return o as unknown as OidcCredentials;
  }
  throw storeError(`${file} is incomplete; run \`warden login\` again`);
}

const ownUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/**
 * A folder whose files we read must be ours and writable by nobody else: whoever can write in
 * it can swap credentials.json or plant a login.json naming their own issuer.
 */
function checkDirForReading(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return; // no folder: nothing to read, the open below says ENOENT
  }
  const uid = ownUid();
  if (uid !== undefined && st.uid !== uid) throw storeError(`${dir} belongs to another user; set ${LOGIN_DIR_ENV} to a folder of your own`);
  if ((st.mode & 0o022) !== 0) throw storeError(`${dir} can be written by other users (mode ${(st.mode & 0o777).toString(8)}); they could replace what it holds: \`chmod 700 ${dir}\`, then \`warden login\` again`);
}

/**
 * Opens a file of the folder without following a symlink, and judges the file actually opened
 * (fstat on the descriptor): nothing can be swapped in between the check and the read.
 * Undefined when it does not exist.
 */
function readPrivate(file: string, dir: string, secret: boolean): string | undefined {
  checkDirForReading(dir);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw storeError(`${file} is a symlink, which is not followed; remove it and run \`warden login\``);
    throw storeError(`${file}: ${code ?? 'unreadable'}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw storeError(`${file} is not a regular file; remove it and run \`warden login\``);
    const uid = ownUid();
    if (uid !== undefined && st.uid !== uid) throw storeError(`${file} belongs to another user`);
    if (secret && (st.mode & 0o077) !== 0) {
      throw storeError(`${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); its tokens may be known to them: run \`warden logout\` and \`warden login\` again`);
    }
    if (!secret && (st.mode & 0o022) !== 0) throw storeError(`${file} can be written by other users (mode ${(st.mode & 0o777).toString(8)}): \`chmod 600 ${file}\``);
    if (st.size > 1024 * 1024) throw storeError(`${file} is larger than 1 MB`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The stored credentials, or undefined when nobody logged in. Refuses a file others may read. */
export function loadCredentials(env?: Record<string, string | undefined>): Credentials | undefined {
  const file = credentialsPath(env);
  const text = readPrivate(file, loginDir(env), true);
  return text === undefined ? undefined : parse(file, text);
}

/** Removes the stored credentials; true when there were some. */
export function removeCredentials(env?: Record<string, string | undefined>): boolean {
  const file = credentialsPath(env);
  rmSync(join(loginDir(env), BEARER_HEADER_FILE), { force: true });
  try {
    lstatSync(file);
  } catch {
    return false;
  }
  rmSync(file, { force: true });
  return true;
}

/** `login.json` of the folder: defaults for the flags of `warden login`. */
export interface LoginSettings {
  issuer?: string;
  client_id?: string;
  scope?: string;
  resource?: string;
  audience?: string;
}

export function loadLoginSettings(env?: Record<string, string | undefined>): { file: string; settings: LoginSettings } | undefined {
  const file = join(loginDir(env), LOGIN_SETTINGS_FILE);
  // Not secret, but it names the issuer to log in to: only from a file nobody else could write.
  const text = readPrivate(file, loginDir(env), false);
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw storeError(`${file} is not valid JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw storeError(`${file} must hold a JSON object`);
  const settings: LoginSettings = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k !== 'issuer' && k !== 'client_id' && k !== 'scope' && k !== 'resource' && k !== 'audience') throw storeError(`${file}: unknown field "${k}" (known: issuer, client_id, scope, resource, audience)`);
    if (typeof val !== 'string' || !val) throw storeError(`${file}: ${k} must be a non-empty string`);
    settings[k] = val;
  }
  return { file, settings };
}
