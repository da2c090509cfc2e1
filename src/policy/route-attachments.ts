import type { PolicyConfig } from './config.js';

/** Policies a door's own config attaches to one of its route ids (`routes[].policies`). */
export interface RouteAttachment {
  readonly id: string;
  readonly policies: readonly string[];
}

/**
 * Door-side attachments merged into `policy.attach.routes`. A name with no policy is left
 * out: the door refuses it under its own config path (`routes[i].policies[j]`).
 */
export function mergeRouteAttachments(policy: PolicyConfig, extra: readonly RouteAttachment[]): PolicyConfig {
  const withPolicies = extra.filter((r) => r.policies.length);
  if (!withPolicies.length) return policy;
  const routes = { ...policy.attach.routes };
  for (const r of withPolicies) routes[r.id] = [...new Set([...(routes[r.id] ?? []), ...r.policies.filter((p) => Object.hasOwn(policy.policies, p))])];
  return { ...policy, attach: { ...policy.attach, routes } };
}
