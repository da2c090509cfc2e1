/**
 * `warden approvals approve|deny` without the argument parsing: who is answering (an admin
 * key from a file or WARDEN_ADMIN_KEY, verified against the config like the admin API does)
 * and the answer itself (src/approvals/decide.ts). Having the database file is not enough to
 * answer through Warden; what someone with write access to that file can still do is in
 * docs/policy.md.
 */
import { readFileSync } from 'node:fs';
import { decideApproval, recordRefusedAttempt, type DecideVerb } from '../approvals/decide.js';
import type { Approval, ApprovalStore } from '../approvals/types.js';
import { WardenError, asWardenError } from '../core/errors.js';
import { authenticateAdminKey, type AdminKeysConfig } from '../identity/admin-principal.js';
import { openSqliteStore } from '../store/sqlite.js';

export const ADMIN_KEY_ENV = 'WARDEN_ADMIN_KEY';
const HOW = `give it with --admin-key-file FILE or the ${ADMIN_KEY_ENV} environment variable; never on the command line`;

/** The admin key: the file's first line when a file is named, else the environment variable. */
export function readAdminKey(file: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', `--admin-key-file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    return text.split(/\r?\n/, 1)[0]!.trim() || undefined;
  }
  return env[ADMIN_KEY_ENV]?.trim() || undefined;
}

export interface AnswerRequest {
  dbPath: string;
  admin: AdminKeysConfig;
  keyFile: string | undefined;
  env: Record<string, string | undefined>;
  id: string;
  verb: DecideVerb;
  note?: string;
  ttlMs?: number;
  now: number;
}

/** Answers as the admin key's holder, or throws the refusal (recorded for the audit log either way). */
export async function answerApproval(store: ApprovalStore, r: AnswerRequest): Promise<Approval> {
  let by;
  try {
    const presented = readAdminKey(r.keyFile, r.env);
    by = authenticateAdminKey(presented, r.admin, { via: 'cli', howToSend: HOW, isVirtualKeyHash: (h) => isVirtualKeyHash(r.dbPath, h) });
  } catch (e) {
    const err = asWardenError(e);
    await recordRefusedAttempt(store, r, 'cli', err);
    throw err;
  }
  return decideApproval(store, { id: r.id, verb: r.verb, by, note: r.note, ttlMs: r.ttlMs, now: r.now });
}

function isVirtualKeyHash(dbPath: string, sha256: string): boolean {
  const keys = openSqliteStore(dbPath);
  try {
    return keys.getKeyByHash(sha256) !== undefined;
  } finally {
    keys.close();
  }
}
