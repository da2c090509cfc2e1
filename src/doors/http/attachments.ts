import type { PolicyConfig } from '../../policy/config.js';
import { mergeRouteAttachments } from '../../policy/route-attachments.js';

/** Route attachments (`routes[].policies`) merged into `policy.attach.routes` (also for `warden policy check`). */
export function withRouteAttachments(config: { policy: PolicyConfig; routes?: readonly { id: string; policies: readonly string[] }[] }): PolicyConfig {
  return mergeRouteAttachments(config.policy, config.routes ?? []);
}
