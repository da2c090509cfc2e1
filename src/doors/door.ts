/**
 * What a door is. A door speaks one protocol; it contributes to Warden through this one
 * interface and is registered once, in src/doors/registry.ts (docs/pipeline.md, "Adding a door").
 * Nothing outside the door's folder knows its modules: the config schema, the snapshot,
 * the policy's route namespace, the main listener and the process start-up all read the
 * registry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { DoorName, Exchange } from '../core/exchange.js';
import type { Gateway } from '../runtime/gateway.js';
import type { SnapshotDeps } from '../runtime/snapshot.js';
import type { RouteAttachment } from '../policy/route-attachments.js';

/**
 * The door's share of a config version, compiled once per load or reload and held by the
 * snapshot (`snapshot.part(thePart)`). Pools and connections it opens are reused from the
 * previous version when unchanged, and released by `retire` / `close`.
 */
export interface DoorPart<P> {
  /** The registry key of the part; the door's own id. */
  readonly id: DoorName;
  /** Problems found without opening anything (`warden config check`), each with its config path. */
  check?(config: Config): string[];
  /** Builds the part; throws ConfigError (with config paths) to refuse the version. */
  compile(config: Config, previous: P | undefined, deps: SnapshotDeps): P;
  /** Releases what `old` holds and `next` does not reuse (after a reload swapped them). */
  retire?(old: P, next: P): void;
  /** Closes everything the part holds (process shutdown). */
  close?(part: P): Promise<void>;
}

/**
 * What `route.id` can be at this door, for `policy.attach.routes`: an attachment naming an id
 * no door contributes is refused at load, with the lists shown.
 */
export interface RouteIds {
  /** The noun in the refusal ("route", "provider", "MCP server"). */
  readonly noun: string;
  /** Where the ids are configured ("routes[].id"). */
  readonly path: string;
  readonly ids: readonly string[];
}

/** Serves the door's requests on the main listener; returns false when the path is not its own. */
export type DoorHttpHandler = (req: IncomingMessage, res: ServerResponse, path: string, query: string) => boolean;

/** A door with its own listener (a non-HTTP protocol): opened after the main listener. */
export interface DoorListener {
  readonly url: string;
  close(): Promise<void>;
}

export interface Door<S extends Readonly<Record<string, z.ZodType>> = Readonly<Record<string, z.ZodType>>> {
  readonly id: DoorName;
  /**
   * Top-level config sections the door owns, each a zod schema from the door's folder; they
   * are merged into the one schema (src/config/schema.ts) in registry order.
   */
  readonly config: S;
  /** The door's compiled share of a snapshot, if any. */
  readonly part?: DoorPart<unknown>;
  /** Route ids this door contributes to the policy's route namespace. */
  routeIds?(config: Config): RouteIds[];
  /** Policies the door's own config attaches to its route ids (`routes[].policies`). */
  attachments?(config: Config): readonly RouteAttachment[];
  /** HTTP handler on the main listener (doors are tried in registry order, `catchAll` doors last). */
  http?(gw: Gateway): DoorHttpHandler;
  /** Its paths come from config and may cover anything (`/*`): offered a request after every fixed-path door. */
  readonly catchAll?: boolean;
  /** Own listener; undefined when the door is not configured. */
  listen?(gw: Gateway): Promise<DoorListener | undefined>;
  /**
   * Requests the main listener refuses before any door runs (an over-long URI, a Warden key
   * in the URL) are answered in the protocol of the door whose path it is.
   */
  claims?(path: string): boolean;
  fail?(gw: Gateway, res: ServerResponse, ex: Exchange, err: unknown, closeConnection: boolean): void;
}
