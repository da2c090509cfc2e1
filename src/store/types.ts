/**
 * The store keeps consumers, keys and usage. SQLite is the embedded default; a
 * PostgreSQL backend implements the same interface for the scale-out path.
 */
export interface StoredConsumer {
  name: string;
  groups: string[];
  labels: Record<string, string>;
  models: string[];
  createdAt: number;
}

export interface StoredKey {
  id: string;
  consumer: string;
  /** SHA-256 (hex) of the full key; the key itself is never stored. */
  hash: string;
  /** First characters of the key, for people to recognise it in lists. */
  hint: string;
  name: string;
  models: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** Id of the key this one replaced on rotation. */
  rotatedFrom: string | null;
}

export interface UsageDelta {
  day: string;
  keyId: string;
  consumer: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageRow extends UsageDelta {}

/** What the admin API adds to the config file: routes by id, named policies by name. */
export type OverlayKind = 'route' | 'policy';

export interface OverlayEntry {
  kind: OverlayKind;
  /** Route id or policy name. */
  id: string;
  /** The item as the admin API received it (JSON, before schema defaults), validated on write and on load. */
  item: unknown;
  updatedAt: number;
}

export interface Store {
  upsertConsumer(c: Omit<StoredConsumer, 'createdAt'>): StoredConsumer;
  getConsumer(name: string): StoredConsumer | undefined;
  listConsumers(): StoredConsumer[];
  deleteConsumer(name: string): boolean;

  insertKey(k: StoredKey): void;
  getKeyByHash(hash: string): StoredKey | undefined;
  getKey(id: string): StoredKey | undefined;
  listKeys(consumer?: string): StoredKey[];
  revokeKey(id: string, at: number): boolean;
  /** Last-used times are written in batches, off the request path. */
  touchKeys(times: Map<string, number>): void;

  addUsage(deltas: UsageDelta[]): void;
  usage(filter: { since?: string; consumer?: string }): UsageRow[];

  /** The config overlay, in write order (first write of an id keeps its place). */
  listOverlay(kind?: OverlayKind): OverlayEntry[];
  putOverlay(kind: OverlayKind, id: string, item: unknown): void;
  deleteOverlay(kind: OverlayKind, id: string): boolean;

  /** Changes on every own write at once, and within ~100 ms of another process's write (e.g. the CLI); lets caches invalidate. */
  version(): number;
  close(): void;
}
