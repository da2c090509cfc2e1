import { WardenError } from '../core/errors.js';
import { isWellFormedKey } from './keys.js';

/** Refusals of an OIDC token: decisions (someone was refused), recorded as a deny like a bad key. */
export const TOKEN_DENIALS = [
  'WARDEN_E_TOKEN_MALFORMED', 'WARDEN_E_TOKEN_ALG', 'WARDEN_E_TOKEN_ISSUER', 'WARDEN_E_TOKEN_AUDIENCE', 'WARDEN_E_TOKEN_EXPIRED',
  'WARDEN_E_TOKEN_NOT_YET_VALID', 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'WARDEN_E_TOKEN_SIGNATURE', 'WARDEN_E_TOKEN_CLAIMS',
] as const;

/** Request headers that carry a client credential; never forwarded upstream. */
export const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'apikey']);

/**
 * Finds the client's credential in `Authorization: Bearer`, `x-api-key` or `apikey`
 * (raw header pairs, so duplicates are visible). Several different values are only
 * accepted when exactly one of them has the shape of a Warden key.
 */
export function extractCredential(rawHeaders: string[]): string | undefined {
  let found: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 13 && name.length !== 9 && name.length !== 6) continue;
    const lower = name.toLowerCase();
    let value: string;
    if (lower === 'authorization') {
      const v = rawHeaders[i + 1]!.trim();
      const m = /^bearer\s+(.+)$/i.exec(v);
      if (!m) continue;
      value = m[1]!.trim();
    } else if (lower === 'x-api-key' || lower === 'apikey') {
      value = rawHeaders[i + 1]!.trim();
    } else continue;
    if (!value) continue;
    if (!found) found = [value];
    else if (!found.includes(value)) found.push(value);
  }
  if (!found) return undefined;
  if (found.length === 1) return found[0];
  const warden = found.filter(isWellFormedKey);
  if (warden.length === 1) return warden[0];
  throw new WardenError('WARDEN_E_HEADER_INVALID', 'the request carries several different credentials (Authorization, x-api-key, apikey); send exactly one Warden key');
}
