/** The http door's share of a snapshot: the route table and its upstream node pools. */
import type { DoorPart } from '../door.js';
import { checkRoutes, compileRoutes, type RouteTable } from './routes.js';
import { retireNodes } from './upstream.js';

export const httpPart: DoorPart<RouteTable> = {
  id: 'http',
  check: (config) => checkRoutes(config.routes, new Set(Object.keys(config.policy.policies))),
  compile: (config, previous) => compileRoutes(config.routes, previous?.nodes),
  retire: (old, next) => retireNodes(old.nodes, next.nodes),
  async close(table) {
    await Promise.all([...table.nodes.values()].map((n) => n.pool.close().catch(() => undefined)));
  },
};
