/**
 * The masking of one config version: detectors built once, column names parsed once;
 * each session gets its own ResultMasker (and counts) once the proxy has resolved the
 * column names to OIDs on its upstream connection.
 */
import { parseColumnRef, lookupColumns, NO_COLUMNS, type ColumnCatalog, type ColumnRef, type ResolvedColumns } from './columns.js';
import type { MaskingConfig } from './config.js';
import { CellScanner, createCellDetectors } from './detect.js';
import { ResultMasker } from './result.js';

export interface Masking {
  readonly enabled: boolean;
  /** The configured columns, for the catalog lookup. */
  readonly refs: readonly ColumnRef[];
  readonly scanner: CellScanner;
  /** Resolves the columns through the proxy's catalog callback (once per database). */
  resolve(catalog: ColumnCatalog): Promise<ResolvedColumns>;
  /** A masker for one session; null when masking is off. */
  forSession(columns: ResolvedColumns): ResultMasker | null;
}

export function createMasking(cfg: MaskingConfig, opts: { hashKey?: string } = {}): Masking {
  const refs = cfg.columns.map((c) => parseColumnRef(c)!);
  const detectors = cfg.enabled ? createCellDetectors({ pii: cfg.pii, secrets: cfg.secrets }) : [];
  const scanner = new CellScanner(detectors, cfg.style, opts.hashKey ? { hashKey: opts.hashKey } : {});
  return {
    enabled: cfg.enabled,
    refs,
    scanner,
    resolve: (catalog) => (cfg.enabled ? lookupColumns(refs, catalog) : Promise.resolve(NO_COLUMNS)),
    forSession: (columns) => (cfg.enabled ? new ResultMasker(columns, scanner) : null),
  };
}
