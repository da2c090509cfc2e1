/**
 * Column rules: `schema.table.column` names from the config, resolved to the table OID
 * and attribute number RowDescription carries, so aliases, `SELECT *` and views over the
 * same result shape don't escape. The proxy performs the catalog lookup on its upstream
 * connection (columnCatalogQuery) and hands the rows back (catalogRows).
 */
export interface ColumnRef {
  schema: string;
  table: string;
  column: string;
}

export interface CatalogColumn extends ColumnRef {
  tableOid: number;
  attnum: number;
  /** 0-based position among the table's live columns: its field in a whole-row value `(a,b,c)`. */
  rowPosition: number;
  /** The table's row type (`SELECT t FROM t` returns a cell of this type). */
  rowTypeOid: number;
  /** The array of that row type (`SELECT array_agg(t) FROM t`). */
  rowArrayTypeOid: number;
}

/** Runs the lookup: the proxy's callback (see columnCatalogQuery for the SQL it can run). */
export type ColumnCatalog = (refs: readonly ColumnRef[]) => Promise<CatalogColumn[]>;

const PART = '(?:"(?:[^"]|"")+"|[^."]+)';
const NAME = new RegExp(`^(${PART})\\.(${PART})\\.(${PART})$`);

function unquote(p: string): string {
  return p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p;
}

/** Parses `schema.table.column` (parts may be double-quoted); null when it is not that shape. */
export function parseColumnRef(text: string): ColumnRef | null {
  const m = NAME.exec(text.trim());
  if (!m) return null;
  return { schema: unquote(m[1]!), table: unquote(m[2]!), column: unquote(m[3]!) };
}

export function columnLabel(r: ColumnRef): string {
  return `${r.schema}.${r.table}.${r.column}`;
}

function literal(s: string): string {
  // Standard-conforming string literal: only the quote needs doubling.
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * One SQL text (simple protocol, no parameters) that returns, per resolvable ref, the columns
 * schema, table, column, table_oid, attnum, row_position, row_type, row_array_type — and the
 * same for every view (or materialized view, at any depth) column whose origin is a masked
 * column: a view reports its own OID in RowDescription, so `SELECT * FROM card_view` would
 * otherwise escape. Origins come from the view's stored query (TargetEntry resorigtbl and
 * resorigcol, as PostgreSQL fills them for RowDescription); a view column computed from a
 * masked one (`upper(number)`) has no origin and is left to the content detectors.
 */
export function columnCatalogQuery(refs: readonly ColumnRef[]): string {
  if (refs.length === 0) throw new RangeError('columnCatalogQuery needs at least one column');
  const values = refs.map((r) => `(${literal(r.schema)}, ${literal(r.table)}, ${literal(r.column)})`).join(', ');
  return (
    'WITH RECURSIVE configured AS (SELECT c.oid AS rel, a.attnum::int AS col ' +
    `FROM (VALUES ${values}) AS w(s, t, c) ` +
    'JOIN pg_catalog.pg_namespace n ON n.nspname = w.s ' +
    'JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.t ' +
    'JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = w.c AND a.attnum > 0 AND NOT a.attisdropped), ' +
    'origins AS (SELECT r.ev_class AS rel, m[1]::int AS col, m[2]::oid AS src, m[3]::int AS srccol ' +
    // The pattern is built with chr(92) for its backslashes: no string-literal escaping rule can change it.
    "FROM pg_catalog.pg_rewrite r, regexp_matches(r.ev_action::text, ':resno ([0-9]+) :resname (?:' || chr(92) || chr(92) || '.|[^' || chr(92) || chr(92) || ' ])+ :ressortgroupref [0-9]+ :resorigtbl ([0-9]+) :resorigcol ([0-9]+)', 'g') AS m " +
    "WHERE r.rulename = '_RETURN'), " +
    'masked(rel, col) AS (SELECT rel, col FROM configured UNION SELECT o.rel, o.col FROM origins o JOIN masked k ON k.rel = o.src AND k.col = o.srccol) ' +
    'SELECT n.nspname, c.relname, a.attname, c.oid, a.attnum, ' +
    '(SELECT count(*) FROM pg_catalog.pg_attribute b WHERE b.attrelid = c.oid AND b.attnum > 0 AND b.attnum < a.attnum AND NOT b.attisdropped), ' +
    'c.reltype, COALESCE(ty.typarray, 0) ' +
    'FROM masked k JOIN pg_catalog.pg_class c ON c.oid = k.rel ' +
    'JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
    'JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.col AND NOT a.attisdropped ' +
    'LEFT JOIN pg_catalog.pg_type ty ON ty.oid = c.reltype'
  );
}

/** The rows of columnCatalogQuery (text cells, in column order) as catalog columns. */
export function catalogRows(rows: readonly (readonly (string | null)[])[]): CatalogColumn[] {
  return rows.map((r) => {
    const num = (i: number) => {
      const v = Number(r[i]);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`catalog row column ${i} is not a number: ${String(r[i])}`);
      return v;
    };
    return { schema: String(r[0]), table: String(r[1]), column: String(r[2]), tableOid: num(3), attnum: num(4), rowPosition: num(5), rowTypeOid: num(6), rowArrayTypeOid: num(7) };
  });
}

/** Column rules ready for lookups by (table OID, column number) and by row type. */
export interface ResolvedColumns {
  /** `${tableOid}:${attnum}` → `schema.table.column`. */
  readonly byColumn: ReadonlyMap<string, string>;
  /** Row type OID → the positions of masked fields in a whole-row value (→ column label), and the table. */
  readonly rowTypes: ReadonlyMap<number, { positions: ReadonlyMap<number, string>; table: string }>;
  /** Array-of-row-type OIDs: a cell of one is masked whole. */
  readonly rowArrayTypes: ReadonlySet<number>;
  /** Tables with masked columns, `schema.table` and bare `table` (COPY refuses them). */
  readonly tables: ReadonlySet<string>;
  /** Configured columns the catalog does not have (a typo, or not created yet): reported, never silently ignored. */
  readonly missing: readonly string[];
}

export const NO_COLUMNS: ResolvedColumns = { byColumn: new Map(), rowTypes: new Map(), rowArrayTypes: new Set(), tables: new Set(), missing: [] };

export function resolveColumns(refs: readonly ColumnRef[], found: readonly CatalogColumn[]): ResolvedColumns {
  const byColumn = new Map<string, string>();
  const rowTypes = new Map<number, { positions: Map<number, string>; table: string }>();
  const rowArrayTypes = new Set<number>();
  const tables = new Set<string>();
  const seen = new Set<string>();
  for (const c of found) {
    const label = columnLabel(c);
    seen.add(label);
    byColumn.set(`${c.tableOid}:${c.attnum}`, label);
    let rt = rowTypes.get(c.rowTypeOid);
    if (!rt) rowTypes.set(c.rowTypeOid, (rt = { positions: new Map(), table: `${c.schema}.${c.table}` }));
    rt.positions.set(c.rowPosition, label);
    if (c.rowArrayTypeOid) rowArrayTypes.add(c.rowArrayTypeOid);
    tables.add(`${c.schema}.${c.table}`);
    tables.add(c.table);
  }
  const missing = refs.map(columnLabel).filter((l) => !seen.has(l));
  // A configured table not found still counts for COPY refusal: fail closed on a typo in the schema name.
  for (const r of refs) tables.add(r.table);
  return { byColumn, rowTypes, rowArrayTypes, tables, missing };
}

/** Looks the refs up through the proxy's catalog callback. */
export async function lookupColumns(refs: readonly ColumnRef[], catalog: ColumnCatalog): Promise<ResolvedColumns> {
  if (refs.length === 0) return NO_COLUMNS;
  return resolveColumns(refs, await catalog(refs));
}
