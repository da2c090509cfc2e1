/** OIDC/JWT identity: the public surface other folders (doors, identity, admin) use. */
export { OidcVerifier, looksLikeJwt, type OidcPrincipal, type VerifierOptions } from './verifier.js';
export { identitySchema, oidcIssuerSchema, OIDC_ALGORITHMS, type OidcIssuerConfig, type IdentityConfig, type OidcAlgorithm } from './config.js';
export { mapClaims, readClaimPath, groupsFromClaim, type MappedIdentity } from './claims.js';
