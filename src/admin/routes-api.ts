/** `/admin/routes`: the http door's routes, file and overlay alike (docs/admin-api.md). */
import { parseOverlayRoute } from '../config/overlay.js';
import type { RouteConfig } from '../doors/http/config.js';
import type { OverlayResourceDef } from './overlay-resource.js';

export const routesResource: OverlayResourceDef = {
  kind: 'route',
  plural: 'routes',
  idField: 'id',
  items: (config) => new Map(config.routes.map((r) => [r.id, r])),
  setter: (id, raw) => ({ kind: 'route', id, set: { raw, parsed: parseOverlayRoute(id, raw) } }),
  // The id in the path wins over a missing one in the body; a different one is refused by parse.
  stored: (id, body) => ({ ...body, id: body.id ?? id }),
  view: (_config, _id, item) => ({ ...(item as RouteConfig) }),
};
