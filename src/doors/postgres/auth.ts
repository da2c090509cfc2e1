/**
 * The password of the PostgreSQL door is a credential, not a database password: a Warden
 * virtual key or a short-lived OIDC access token, both judged by the identity stage's one
 * entry point (`identity.authenticate`, which may answer with a promise for a token). Failures
 * are answered with SQLSTATE 28P01 and a message naming what to fix, never the credential.
 */
import { WardenError } from '../../core/errors.js';
import type { Identity } from '../../identity/identity.js';
import { StartupRefusal } from './client-startup.js';
import type { Authenticated } from './door.js';

export function createAuthenticator(identity: Pick<Identity, 'authenticate'>) {
  return async (password: string, user: string, now: number): Promise<Authenticated> => {
    let who: Authenticated;
    try {
      // Synchronous for a key; a promise for a token seen the first time.
      const id = await identity.authenticate(password, now);
      who = { consumer: id.consumer, key: id.key };
      // A Warden key's standing is rechecked while the session lives (revoked, deleted, its consumer removed).
      if (!id.principal) who.keyId = id.key.id;
      // A session lives on one login: it ends when the credential would no longer be accepted (deadlines.ts).
      if (id.expiresAt !== undefined) who.credential = { expires: id.expiresAt, what: id.principal ? `the OIDC access token of ${id.consumer.name} (issuer ${id.principal.issuer})` : `API key ${id.key.id}`, code: id.principal ? 'WARDEN_E_TOKEN_EXPIRED' : 'WARDEN_E_AUTH_EXPIRED' };
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
