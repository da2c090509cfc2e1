/** Result masking for the PostgreSQL door (docs/postgres-policy.md). */
export { parseRowDescription, buildRowDescription, parseDataRow, buildDataRow, parseNoticeFields, buildNotice, type Cell, type ColumnDescription, type NoticeFields } from './wire.js';
export { parseColumnRef, columnLabel, columnCatalogQuery, catalogRows, resolveColumns, lookupColumns, NO_COLUMNS, type ColumnRef, type CatalogColumn, type ColumnCatalog, type ResolvedColumns } from './columns.js';
export { CellScanner, createCellDetectors, DEFAULT_MASK_PII, type CellDetectorOptions } from './detect.js';
export { ResultMasker, type RowPlan } from './result.js';
export { maskNotice } from './notice.js';
export { planCopyOut, CopyOutMasker, type CopyOutPlan } from './copy.js';
export { newCounts, type MaskCounts } from './counts.js';
export { parseRecord, buildRecord } from './record.js';
export { maskingSchema, type MaskingConfig } from './config.js';
export { createMasking, type Masking } from './masking.js';
