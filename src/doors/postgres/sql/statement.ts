/**
 * Classifies one parsed statement: its base class from the node type, raised by whatever
 * its whole tree does (a deleting CTE, FOR UPDATE in a subquery, a dangerous function in a
 * default expression). The walk is iterative, so a deeply nested tree cannot overflow the stack.
 */
import { maxEffect, type SqlEffect, effectRank } from './effects.js';
import { judgeFunction } from './functions.js';
import { baseClass, type BaseClass } from './statement-types.js';

export interface ClassifiedStatement {
  /** The most consequential operation: `select`, `delete`, `select_into`, `copy_to`, `drop_database`, … */
  kind: string;
  effect: SqlEffect;
  /** Every operation found, in tree order (`select`, `delete` for a deleting CTE). */
  operations: string[];
  /** Relations named, `schema.table` when qualified; CTE names are left out. */
  tables: string[];
  /** Functions called anywhere in the tree, as written (`pg_catalog.pg_read_file`). */
  functions: string[];
  /** The statement's own text (one statement of a batch). */
  text: string;
  /** Why the statement is blocked or restricted. */
  reason?: string;
  /** COPY only: direction and the data format options the masker must read the data with. */
  copy?: CopyFormat;
}

export interface CopyFormat {
  direction: 'to' | 'from';
  format: 'text' | 'csv' | 'binary';
  /** Field separator: tab for text, comma for csv unless set. */
  delimiter: string;
  /** How NULL is written: `\N` for text, empty for csv unless set. */
  null: string;
  /** csv only. */
  quote: string;
  escape: string;
  header: boolean;
}

function copyFormat(body: Obj): CopyFormat {
  const opts = new Map<string, unknown>();
  if (Array.isArray(body.options)) for (const o of body.options) if (isObj(o) && isObj(o.DefElem) && typeof o.DefElem.defname === 'string') opts.set(o.DefElem.defname, o.DefElem.arg);
  const str = (k: string): string | undefined => {
    const a = opts.get(k);
    return isObj(a) && isObj(a.String) && typeof a.String.sval === 'string' ? a.String.sval : undefined;
  };
  const f = (str('format') ?? 'text').toLowerCase();
  const format: CopyFormat['format'] = f === 'csv' ? 'csv' : f === 'binary' ? 'binary' : 'text';
  const csv = format === 'csv';
  const quote = str('quote') ?? '"';
  const h = opts.get('header');
  // HEADER, HEADER true/on/1/match; false as `false`, `off`, `'0'` or the integer 0 (whose ival the tree leaves out).
  const header = opts.has('header') && !(isObj(h) && isObj(h.Boolean) && !h.Boolean.boolval) && !(isObj(h) && isObj(h.String) && /^(false|off|0)$/i.test(String(h.String.sval))) && !(isObj(h) && isObj(h.Integer) && !h.Integer.ival);
  return { direction: body.is_from === true ? 'from' : 'to', format, delimiter: str('delimiter') ?? (csv ? ',' : '\t'), null: str('null') ?? (csv ? '' : '\\N'), quote, escape: str('escape') ?? quote, header };
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function strings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) if (isObj(item) && isObj(item.String) && typeof item.String.sval === 'string') out.push(item.String.sval);
  return out;
}

/** The value of a string literal node (`A_Const.sval`), possibly under a cast; null otherwise. */
function stringLiteral(node: unknown): string | null {
  if (!isObj(node)) return null;
  if (isObj(node.A_Const) && isObj(node.A_Const.sval)) return typeof node.A_Const.sval.sval === 'string' ? node.A_Const.sval.sval : '';
  if (isObj(node.TypeCast)) return stringLiteral(node.TypeCast.arg);
  return null;
}

class Collector {
  effect: SqlEffect;
  kind: string;
  reason: string | undefined;
  readonly operations: string[] = [];
  readonly tables = new Set<string>();
  readonly functions = new Set<string>();
  readonly ctes = new Set<string>();

  constructor(base: BaseClass) {
    this.effect = base.effect;
    this.kind = base.kind;
    this.reason = base.reason;
    this.operations.push(base.kind);
  }

  raise(effect: SqlEffect, kind: string, reason?: string): void {
    if (!this.operations.includes(kind)) this.operations.push(kind);
    if (effectRank(effect) > effectRank(this.effect)) {
      this.effect = effect;
      this.kind = kind;
      this.reason = reason;
    } else if (effect === this.effect && reason && !this.reason) this.reason = reason;
  }
}

const DROPPED_RELATIONS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE', 'OBJECT_INDEX']);

const NESTED_DML: Readonly<Record<string, string>> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge' };

function visitNode(c: Collector, type: string, body: Obj, executes: boolean): void {
  switch (type) {
    case 'FuncCall': {
      const name = strings(body.funcname).join('.');
      if (!name) return;
      c.functions.add(name);
      const args = Array.isArray(body.args) ? body.args : [];
      const verdict = judgeFunction(name, args.length ? stringLiteral(args[0]) : undefined);
      if (verdict && (executes || verdict.effect !== 'write')) c.raise(verdict.effect, verdict.effect === 'write' ? name.toLowerCase() : `function:${name.toLowerCase()}`, verdict.reason);
      return;
    }
    case 'CallStmt':
      // CALL's function call is inline, not wrapped in a FuncCall node.
      if (isObj(body.funccall)) visitNode(c, 'FuncCall', body.funccall, executes);
      return;
    case 'DropStmt':
      // DROP names its objects as name lists, not RangeVars.
      if (typeof body.removeType === 'string' && DROPPED_RELATIONS.has(body.removeType) && Array.isArray(body.objects)) {
        for (const o of body.objects) if (isObj(o) && isObj(o.List)) c.tables.add(strings(o.List.items).join('.'));
      }
      return;
    case 'CommonTableExpr':
      if (typeof body.ctename === 'string') c.ctes.add(body.ctename);
      return;
    case 'SelectStmt':
      if (!executes) return;
      if (body.intoClause) c.raise('ddl', 'select_into');
      if (Array.isArray(body.lockingClause) && body.lockingClause.length) c.raise('write', 'select_for_update');
      return;
    case 'MergeStmt':
      if (executes && Array.isArray(body.mergeWhenClauses)) {
        for (const w of body.mergeWhenClauses) if (isObj(w) && isObj(w.MergeWhenClause) && w.MergeWhenClause.commandType === 'CMD_DELETE') c.raise('write', 'delete');
      }
      break;
  }
  const dml = NESTED_DML[type];
  if (dml && executes) c.raise('write', dml);
}

/** Walks every node under `root`; `executes` false means the tree is only planned (EXPLAIN without ANALYZE). */
function walk(c: Collector, rootType: string, root: Obj, executes: boolean): void {
  const stack: unknown[] = [root];
  visitNode(c, rootType, root, executes);
  while (stack.length) {
    const x = stack.pop();
    // Children are pushed last-first so they are visited in tree (text) order.
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) if (typeof x[i] === 'object' && x[i] !== null) stack.push(x[i]);
      continue;
    }
    if (!isObj(x)) continue;
    // A RangeVar appears both wrapped ({RangeVar: …}) and inline (`relation`, `into.rel`).
    if (typeof x.relname === 'string') c.tables.add(typeof x.schemaname === 'string' ? `${x.schemaname}.${x.relname}` : x.relname);
    const keys = Object.keys(x);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const v = x[k];
      if (typeof v !== 'object' || v === null) continue;
      stack.push(v);
    }
    // Node wrappers (`{ FuncCall: {…} }`) are judged when their parent is reached, in order.
    for (const k of keys) {
      const v = x[k];
      const code = k.charCodeAt(0);
      if (code >= 65 && code <= 90 && isObj(v)) visitNode(c, k, v, executes);
    }
  }
}

function explainAnalyzes(body: Obj): boolean {
  if (!Array.isArray(body.options)) return false;
  for (const o of body.options) {
    if (!isObj(o) || !isObj(o.DefElem) || o.DefElem.defname !== 'analyze') continue;
    const arg = o.DefElem.arg;
    if (arg === undefined) return true;
    const s = isObj(arg) && isObj(arg.String) ? String(arg.String.sval).toLowerCase() : null;
    const falseInt = isObj(arg) && isObj(arg.Integer) && !arg.Integer.ival;
    // Only an explicit false turns it off; anything else runs the statement.
    return !(s === 'false' || s === 'off' || s === '0' || s === 'no' || falseInt);
  }
  return false;
}

function classifyCopy(body: Obj): BaseClass {
  const isFrom = body.is_from === true;
  if (body.is_program === true) return { effect: 'blocked', kind: 'copy_program', reason: `COPY ${isFrom ? 'FROM' : 'TO'} PROGRAM runs a shell command on the database server and is always blocked` };
  if (typeof body.filename === 'string') return { effect: 'blocked', kind: 'copy_file', reason: `COPY ${isFrom ? 'FROM' : 'TO'} a server file is always blocked` };
  return isFrom ? { effect: 'write', kind: 'copy_from' } : { effect: 'read', kind: 'copy_to' };
}

/** Classifies one statement node (`{ SelectStmt: {…} }`) whose text is `text`. */
export function classifyStatement(stmt: Obj, text: string): ClassifiedStatement {
  const type = Object.keys(stmt)[0] ?? '';
  const body = isObj(stmt[type]) ? (stmt[type] as Obj) : {};
  let c: Collector;
  if (type === 'ExplainStmt') {
    const analyze = explainAnalyzes(body);
    c = new Collector({ effect: 'read', kind: analyze ? 'explain_analyze' : 'explain' });
    // EXPLAIN ANALYZE executes its statement: it has that statement's effect.
    if (isObj(body.query)) {
      const [innerType] = Object.keys(body.query);
      if (innerType && isObj(body.query[innerType])) {
        const inner = classifyStatement(body.query, text);
        for (const t of inner.tables) c.tables.add(t);
        for (const f of inner.functions) c.functions.add(f);
        if (analyze || inner.effect === 'blocked' || inner.effect === 'restricted') c.raise(inner.effect, inner.kind, inner.reason);
        for (const op of inner.operations) if (!c.operations.includes(op) && (analyze || op.startsWith('function:'))) c.operations.push(op);
      }
    }
  } else {
    c = new Collector(type === 'CopyStmt' ? classifyCopy(body) : baseClass(type, body));
    walk(c, type, body, true);
  }
  const tables = [...c.tables].filter((t) => !c.ctes.has(t));
  const out: ClassifiedStatement = { kind: c.kind, effect: c.effect, operations: c.operations, tables, functions: [...c.functions], text };
  if (c.reason) out.reason = c.reason;
  if (type === 'CopyStmt') out.copy = copyFormat(body);
  return out;
}
