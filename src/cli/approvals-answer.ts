/**
 * `warden approvals approve|deny` without the argument parsing: who is answering (an admin
 * key from a file or WARDEN_ADMIN_KEY, or the OIDC identity of `warden login`, verified
 * against the config like the admin API does)
 * and the answer itself (src/approvals/decide.ts). Having the database file is not enough to
 * answer through Warden; what someone with write access to that file can still do is in
 * docs/policy.md.
 */
import { readFileSync } from 'node:fs';
import { decideApproval, recordRefusedAttempt, type DecideVerb } from '../approvals/decide.js';
import type { Approval, ApprovalStore } from '../approvals/types.js';
import { WardenError, asWardenError } from '../core/errors.js';
import { authenticateAdminToken } from '../admin/auth.js';
import { refusedOidcIdentity, type OidcRoleRule } from '../identity/admin-oidc.js';
import { authenticateAdminKey, type AdminKeysConfig } from '../identity/admin-principal.js';
import type { OidcIssuerConfig } from '../identity/oidc/config.js';
import { OidcVerifier } from '../identity/oidc/verifier.js';
import { loadCredentials } from './login/store.js';
import { freshAccessToken } from './login/token.js';
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
  admin: AdminKeysConfig & { oidc_roles?: readonly OidcRoleRule[]; oidc_audience?: readonly string[] | undefined };
  /** identity.oidc of the config: the issuers whose tokens are verified. */
  oidcIssuers?: readonly OidcIssuerConfig[];
  /** Answer as the OIDC identity of `warden login` (forced with --oidc; else used when no admin key is given). */
  oidc?: boolean;
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
    const presented = r.oidc ? undefined : readAdminKey(r.keyFile, r.env);
    if (presented === undefined && (r.oidc || hasOidcLogin(r.env))) by = await oidcApprover(r);
    else by = authenticateAdminKey(presented, r.admin, { via: 'cli', howToSend: HOW, isVirtualKeyHash: (h) => isVirtualKeyHash(r.dbPath, h) });
  } catch (e) {
    const err = asWardenError(e);
    const oidc = refusedOidcIdentity(e);
    await recordRefusedAttempt(store, r, 'cli', err, oidc && { name: oidc.name, role: null });
    throw err;
  }
  return decideApproval(store, { id: r.id, verb: r.verb, by, note: r.note, ttlMs: r.ttlMs, now: r.now });
}

/** True when `warden login` stored an OIDC login (a stored virtual key is an agent's, never an approver's). */
function hasOidcLogin(env: Record<string, string | undefined>): boolean {
  try {
    return loadCredentials(env)?.kind === 'oidc';
  } catch {
    return false;
  }
}

/** The approver as the OIDC identity of `warden login`: its token, refreshed if needed, verified against identity.oidc like the admin API does. */
async function oidcApprover(r: AnswerRequest) {
  const issuers = r.oidcIssuers ?? [];
  const login = await freshAccessToken(r.env, Date.now);
  const verifier = issuers.length ? new OidcVerifier(issuers) : undefined;
  return authenticateAdminToken(login.access_token, { ...r.admin, oidc_roles: r.admin.oidc_roles ?? [] }, verifier && ((t) => verifier.verify(t)), 'cli');
}

function isVirtualKeyHash(dbPath: string, sha256: string): boolean {
  const keys = openSqliteStore(dbPath);
  try {
    return keys.getKeyByHash(sha256) !== undefined;
  } finally {
    keys.close();
  }
}
