/**
 * The password of the PostgreSQL door is a credential, not a database password: a Warden
 * virtual key, or (once an OIDC verifier is configured) a short-lived JWT. Failures are
 * answered with SQLSTATE 28P01 and a message naming what to fix, never the credential.
 */
import { WardenError } from '../../core/errors.js';
import type { Identity } from '../../identity/identity.js';
import { StartupRefusal } from './client-startup.js';
import type { Authenticated } from './door.js';

export interface TokenVerifier {
  /** Verifies a JWT and returns its consumer; throws WardenError (WARDEN_E_TOKEN_…). */
  verify(token: string, now: number): Promise<Authenticated>;
}

const KEY_PREFIX = 'wdn_';

export function createAuthenticator(identity: Identity, tokens: TokenVerifier | undefined) {
  return async (password: string, user: string, now: number): Promise<Authenticated> => {
    let who: Authenticated;
    try {
      if (password.startsWith(KEY_PREFIX)) {
        const id = identity.authenticate(password, now);
        who = { consumer: id.consumer, key: id.key };
      } else if (tokens) who = await tokens.verify(password, now);
      else throw new StartupRefusal('28P01', 'the password must be a Warden virtual key (wdn_…); OIDC tokens are not accepted here because identity.oidc is not configured');
    } catch (e) {
      if (e instanceof StartupRefusal) throw e;
      if (e instanceof WardenError) throw new StartupRefusal('28P01', `${e.code}: ${e.message}`);
      throw new StartupRefusal('28P01', 'the credential could not be verified');
    }
    // The user name must be the consumer the credential belongs to, so logs and grants name one person.
    if (user !== who.consumer.name) throw new StartupRefusal('28000', `user "${user.slice(0, 64)}" does not match the credential, which belongs to consumer ${who.consumer.name}`, `connect with user=${who.consumer.name}`);
    return who;
  };
}
