/** `/admin/policies`: named policies (`policy.policies`), file and overlay alike, with where each is attached. */
import { attachmentsOf, parseOverlayPolicy } from '../config/overlay.js';
import type { OverlayResourceDef } from './overlay-resource.js';

export const policiesResource: OverlayResourceDef = {
  kind: 'policy',
  plural: 'policies',
  idField: 'name',
  items: (config) => new Map(Object.entries(config.policy.policies)),
  setter: (id, raw) => ({ kind: 'policy', id, set: { raw, parsed: parseOverlayPolicy(id, raw) } }),
  // The name lives in the path (and in the store's key), not in the stored item.
  stored: (id, body) => {
    const { name, ...rest } = body;
    if (name !== undefined && name !== id) return { ...rest, name };
    return rest;
  },
  view: (config, name, item) => ({ name, ...(item as object), attached: attachmentsOf(config, name) }),
};
