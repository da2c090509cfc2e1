/**
 * Splits and decodes a compact JWS without trusting it: the header and claims are only read
 * to pick the issuer and the key, and to refuse `none`/HMAC before any key is fetched.
 */
import { WardenError } from '../../core/errors.js';

/** Longer tokens are refused before decoding (threat: CPU and memory on a hostile credential). */
export const MAX_TOKEN_LENGTH = 16 * 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw new WardenError('WARDEN_E_TOKEN_MALFORMED', `token ${what} is not base64url`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new WardenError('WARDEN_E_TOKEN_MALFORMED', `token ${what} is not JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WardenError('WARDEN_E_TOKEN_MALFORMED', `token ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export function parseJwt(token: string): ParsedJwt {
  if (token.length > MAX_TOKEN_LENGTH) throw new WardenError('WARDEN_E_TOKEN_MALFORMED', `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new WardenError('WARDEN_E_TOKEN_MALFORMED', `token has ${parts.length} parts; a signed JWT has 3 (an encrypted JWE is not accepted)`);
  const header = decodePart(parts[0]!, 'header');
  const payload = decodePart(parts[1]!, 'payload');
  return { header, payload };
}
