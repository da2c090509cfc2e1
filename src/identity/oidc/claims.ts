/**
 * Claims → consumer: the name, the groups (from a possibly nested claim, mapped) and the
 * labels (from group rules). Pure functions; the verifier calls them once per token.
 */
import { WardenError } from '../../core/errors.js';
import type { OidcIssuerConfig } from './config.js';

/** Bounds on what a token may bring in: claims are client-controlled input once signed by any trusted IdP. */
export const MAX_GROUPS = 256;
export const MAX_GROUP_LENGTH = 256;
const CONSUMER_NAME = /^[A-Za-z0-9_.@:-]{1,128}$/;

/**
 * Reads `a.b.c` from a claims object. A claim whose own name contains dots (Okta and Auth0
 * namespaced claims such as `https://example.com/groups`) is found too: the longest literal
 * key that matches a prefix of the path wins.
 */
export function readClaimPath(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  const parts = path.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const head = parts.slice(0, n).join('.');
    if (!Object.hasOwn(claims, head)) continue;
    const next = claims[head];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return undefined;
    return readClaimPath(next as Record<string, unknown>, parts.slice(n).join('.'));
  }
  return undefined;
}

/** Groups from the claim: an array of strings or a space-separated string; anything else is no groups. */
export function groupsFromClaim(value: unknown): string[] {
  let list: unknown[];
  if (typeof value === 'string') list = value.split(' ');
  else if (Array.isArray(value)) list = value;
  else return [];
  const out: string[] = [];
  for (const g of list) {
    if (typeof g !== 'string' || g.length === 0 || g.length > MAX_GROUP_LENGTH) continue;
    if (!out.includes(g)) out.push(g);
    if (out.length >= MAX_GROUPS) break;
  }
  return out;
}

export interface MappedIdentity {
  name: string;
  /** The IdP's groups, as read from the token. */
  idpGroups: string[];
  /** Consumer groups after `group_map`, `only_mapped_groups` and the issuer's fixed `groups`. */
  groups: string[];
  labels: Record<string, string>;
}

export function mapClaims(cfg: OidcIssuerConfig, claims: Record<string, unknown>): MappedIdentity {
  const rawName = readClaimPath(claims, cfg.name_claim);
  if (typeof rawName !== 'string' || rawName.length === 0) throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `token has no string claim "${cfg.name_claim}" to name the consumer (identity.oidc[].name_claim for issuer ${cfg.issuer})`);
  const name = cfg.consumer_prefix + rawName;
  if (!CONSUMER_NAME.test(name)) throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `claim "${cfg.name_claim}" is not a usable consumer name (letters, digits and _ . @ : - only, at most 128 characters); pick another identity.oidc[].name_claim for issuer ${cfg.issuer}`);
  const idpGroups = groupsFromClaim(readClaimPath(claims, cfg.groups_claim));
  const groups: string[] = [];
  const add = (g: string) => {
    if (!groups.includes(g)) groups.push(g);
  };
  for (const g of cfg.groups) add(g);
  for (const g of idpGroups) {
    const mapped = Object.hasOwn(cfg.group_map, g) ? cfg.group_map[g] : undefined;
    if (mapped) mapped.forEach(add);
    else if (!cfg.only_mapped_groups) add(g);
  }
  const labels: Record<string, string> = { ...cfg.labels };
  for (const rule of cfg.label_rules) if (idpGroups.includes(rule.group)) Object.assign(labels, rule.labels);
  return { name, idpGroups, groups, labels };
}
