/**
 * The test IdP of examples/oidc/warden.yaml: a real oidc-provider on 127.0.0.1:9400 with the
 * accounts alice (data-reader), bob (data-writer), carol (approver), dave (admin). Prints an
 * access token for each (valid one hour) and keeps serving discovery and JWKS until Ctrl-C.
 * Run: npx tsx examples/oidc/test-idp.ts
 */
import { startTestIdp } from '../../test/support/oidc-idp.js';

const idp = await startTestIdp({ port: Number(process.env.OIDC_IDP_PORT ?? 9400), accessTokenTtl: 3600 });
console.log(`issuer ${idp.issuer}`);
for (const account of ['alice', 'bob', 'carol', 'dave']) console.log(`${account.toUpperCase()}=${await idp.mintAccessToken(account)}`);
process.on('SIGINT', () => void idp.stop().then(() => process.exit(0)));
