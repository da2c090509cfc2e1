import type { IncomingMessage } from 'node:http';
import type { DoorName, Exchange } from '../core/exchange.js';
import { requestId } from '../core/ids.js';
import type { ApprovalStore } from '../approvals/types.js';
import type { GrantStore } from '../doors/postgres/grants/types.js';
import type { Identity } from '../identity/identity.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../telemetry/log.js';
import type { WardenMetrics } from '../telemetry/warden-metrics.js';
import type { Snapshot } from './snapshot.js';

/** What every door is handed: the live snapshot and the shared services of the process. */
export interface Gateway {
  current(): Snapshot;
  readonly identity: Identity;
  readonly store: Store;
  /** Where a policy "ask" becomes a pending approval (`warden approvals`). */
  readonly approvals: ApprovalStore;
  /** Just-in-time PostgreSQL roles (`warden grants`, `/admin/grants`). */
  readonly grants: GrantStore;
  readonly metrics: WardenMetrics;
  readonly log: Logger;
  /** Accounts, meters and audits a finished exchange; called once per exchange. */
  finish(ex: Exchange): void;
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newExchange(door: DoorName, req: IncomingMessage, route: string): Exchange {
  const session = req.headers['x-claude-code-session-id'];
  return {
    id: requestId(),
    door,
    start: Date.now(),
    startHr: process.hrtime.bigint(),
    method: req.method ?? 'GET',
    route,
    // A correlation id, not an identity; malformed values are dropped rather than logged.
    sessionId: typeof session === 'string' && SESSION_ID.test(session) ? session : undefined,
  };
}
