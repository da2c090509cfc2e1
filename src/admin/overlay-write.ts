/**
 * One admin write to the config overlay: validate the item, build the whole candidate
 * snapshot (routes, policy and guards compile exactly as at load), persist, then swap.
 * Nothing is half-written: a candidate that does not compile changes neither the store nor
 * the running gateway, and a store write that fails releases the candidate.
 */
import { ConfigError } from '../config/load.js';
import { applyOverlay, parseOverlay, type Overlay, type OverlayPolicy } from '../config/overlay.js';
import type { RouteConfig } from '../doors/http/config.js';
import type { Config } from '../config/schema.js';
import { WardenError } from '../core/errors.js';
import { checkSnapshotConfig } from '../runtime/snapshot.js';
import type { Store } from '../store/types.js';

/** A built candidate snapshot; exactly one of commit or abort is called, before the caller yields. */
export interface StagedConfig {
  /** Makes the candidate the live snapshot and retires the old one (reusing its pools). */
  commit(): void;
  /** Releases what the candidate opened that the live snapshot does not share. */
  abort(): void;
}

/** What the admin API needs from the running process to change its config (implemented in app.ts). */
export interface ConfigControl {
  /** The config file as last loaded, without the overlay. */
  file(): Config;
  /** Builds the snapshot of `next` against the live one; throws ConfigError when it does not compile. */
  stage(next: Config): StagedConfig;
}

/** A ConfigError as an admin error: the message lists every problem with its config path. */
export class AdminConfigError extends WardenError {
  constructor(
    code: 'WARDEN_E_ADMIN_BAD_INPUT' | 'WARDEN_E_ADMIN_CONFLICT',
    readonly problems: string[],
  ) {
    super(code, problems.join('; '));
  }
}

export function badInput(e: unknown, code: 'WARDEN_E_ADMIN_BAD_INPUT' | 'WARDEN_E_ADMIN_CONFLICT' = 'WARDEN_E_ADMIN_BAD_INPUT'): unknown {
  return e instanceof ConfigError ? new AdminConfigError(code, e.problems) : e;
}

/** One change: a parsed item to set (with the raw JSON to store), or a delete (no item). */
export type OverlayChange =
  | { kind: 'route'; id: string; set?: { raw: unknown; parsed: RouteConfig } }
  | { kind: 'policy'; id: string; set?: { raw: unknown; parsed: OverlayPolicy } };

/** Route problems are reported by index into the effective `routes`; add the id so a caller can tell which. */
function nameRoutes(problems: string[], config: Config): string[] {
  return problems.map((p) =>
    p.replace(/^routes\[(\d+)\]/, (m, i: string) => {
      const id = config.routes[Number(i)]?.id;
      return id === undefined ? m : `${m} (route "${id}")`;
    }),
  );
}

/**
 * Validates and applies one change; returns the effective config now live. `onCompileError`
 * is the answer to a candidate that does not compile: 400 for a bad item, 409 for a delete
 * that would leave a reference dangling.
 */
export function writeOverlay(store: Store, control: ConfigControl, change: OverlayChange, onCompileError: 'WARDEN_E_ADMIN_BAD_INPUT' | 'WARDEN_E_ADMIN_CONFLICT'): Config {
  let overlay: Overlay;
  try {
    overlay = parseOverlay(store.listOverlay());
  } catch (e) {
    throw badInput(e, 'WARDEN_E_ADMIN_CONFLICT');
  }
  if (change.kind === 'route') {
    if (change.set) overlay.routes.set(change.id, change.set.parsed);
    else overlay.routes.delete(change.id);
  } else if (change.set) overlay.policies.set(change.id, change.set.parsed);
  else overlay.policies.delete(change.id);

  const next = applyOverlay(control.file(), overlay);
  let staged: StagedConfig;
  try {
    // The compile step alone first: a refused candidate opens no pool at all.
    checkSnapshotConfig(next);
    staged = control.stage(next);
  } catch (e) {
    if (e instanceof ConfigError) throw new AdminConfigError(onCompileError, nameRoutes(e.problems, next));
    throw e;
  }
  try {
    if (change.set) store.putOverlay(change.kind, change.id, change.set.raw);
    else store.deleteOverlay(change.kind, change.id);
  } catch (e) {
    staged.abort();
    throw e;
  }
  staged.commit();
  return next;
}
