/**
 * The effect of each top-level statement type, before its tree is walked. Types not named
 * here are `restricted` (fail closed: a statement PostgreSQL adds later needs a rule).
 */
import type { SqlEffect } from './effects.js';

export interface BaseClass {
  effect: SqlEffect;
  kind: string;
  reason?: string;
}

const BLOCKED: Readonly<Record<string, BaseClass>> = {
  DropdbStmt: { effect: 'blocked', kind: 'drop_database', reason: 'DROP DATABASE is always blocked' },
  CreateRoleStmt: { effect: 'blocked', kind: 'create_role', reason: 'CREATE ROLE/USER is always blocked' },
  AlterRoleStmt: { effect: 'blocked', kind: 'alter_role', reason: 'ALTER ROLE/USER is always blocked' },
  AlterRoleSetStmt: { effect: 'blocked', kind: 'alter_role', reason: 'ALTER ROLE/USER is always blocked' },
  DropRoleStmt: { effect: 'blocked', kind: 'drop_role', reason: 'DROP ROLE/USER is always blocked' },
  GrantRoleStmt: { effect: 'blocked', kind: 'grant_role', reason: 'GRANT/REVOKE of role membership changes roles and is always blocked' },
  AlterSystemStmt: { effect: 'blocked', kind: 'alter_system', reason: 'ALTER SYSTEM is always blocked' },
  CreateExtensionStmt: { effect: 'blocked', kind: 'create_extension', reason: 'CREATE EXTENSION is always blocked' },
  AlterExtensionStmt: { effect: 'blocked', kind: 'alter_extension', reason: 'ALTER EXTENSION runs extension scripts and is always blocked' },
  AlterExtensionContentsStmt: { effect: 'blocked', kind: 'alter_extension', reason: 'ALTER EXTENSION runs extension scripts and is always blocked' },
  LoadStmt: { effect: 'blocked', kind: 'load', reason: 'LOAD (a shared library) is always blocked' },
};

const SIMPLE: Readonly<Record<string, BaseClass>> = {
  SelectStmt: { effect: 'read', kind: 'select' },
  VariableShowStmt: { effect: 'read', kind: 'show' },
  FetchStmt: { effect: 'read', kind: 'fetch' },
  ClosePortalStmt: { effect: 'read', kind: 'close_cursor' },
  DeclareCursorStmt: { effect: 'read', kind: 'declare_cursor' },

  TransactionStmt: { effect: 'transaction', kind: 'transaction' },
  ConstraintsSetStmt: { effect: 'transaction', kind: 'set_constraints' },

  DiscardStmt: { effect: 'session', kind: 'discard' },
  ListenStmt: { effect: 'session', kind: 'listen' },
  UnlistenStmt: { effect: 'session', kind: 'unlisten' },
  DeallocateStmt: { effect: 'session', kind: 'deallocate' },

  InsertStmt: { effect: 'write', kind: 'insert' },
  UpdateStmt: { effect: 'write', kind: 'update' },
  DeleteStmt: { effect: 'write', kind: 'delete' },
  MergeStmt: { effect: 'write', kind: 'merge' },
  LockStmt: { effect: 'write', kind: 'lock' },
  TruncateStmt: { effect: 'write', kind: 'truncate' },
  RefreshMatViewStmt: { effect: 'write', kind: 'refresh_materialized_view' },
  NotifyStmt: { effect: 'write', kind: 'notify' },

  CreateTableAsStmt: { effect: 'ddl', kind: 'create_table_as' },

  DoStmt: { effect: 'restricted', kind: 'do', reason: 'DO runs an anonymous code block the classifier cannot see; it needs an explicit rule' },
  CallStmt: { effect: 'restricted', kind: 'call', reason: 'CALL runs a procedure whose effect the classifier cannot see; it needs an explicit rule' },
  PrepareStmt: { effect: 'restricted', kind: 'prepare', reason: 'SQL-level PREPARE needs an explicit rule (use the extended protocol)' },
  ExecuteStmt: { effect: 'restricted', kind: 'execute', reason: 'SQL-level EXECUTE runs a statement prepared earlier; it needs an explicit rule' },
};

const DDL = new Set([
  'AlterCollationStmt', 'AlterDomainStmt', 'AlterEnumStmt', 'AlterFunctionStmt', 'AlterObjectDependsStmt', 'AlterObjectSchemaStmt',
  'AlterOpFamilyStmt', 'AlterOperatorStmt', 'AlterPolicyStmt', 'AlterSeqStmt', 'AlterStatsStmt', 'AlterTSConfigurationStmt',
  'AlterTSDictionaryStmt', 'AlterTableStmt', 'AlterTypeStmt', 'CommentStmt', 'CompositeTypeStmt', 'CreateConversionStmt',
  'CreateDomainStmt', 'CreateEnumStmt', 'CreateForeignTableStmt', 'CreateFunctionStmt', 'CreateOpClassStmt', 'CreateOpFamilyStmt',
  'CreatePolicyStmt', 'CreateRangeStmt', 'CreateSchemaStmt', 'CreateSeqStmt', 'CreateStatsStmt', 'CreateStmt', 'CreateTrigStmt',
  'DefineStmt', 'DropStmt', 'IndexStmt', 'RenameStmt', 'ReplicaIdentityStmt', 'RuleStmt', 'ViewStmt',
]);

const ADMIN = new Set([
  'AlterDatabaseRefreshCollStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseStmt', 'AlterDefaultPrivilegesStmt', 'AlterEventTrigStmt',
  'AlterFdwStmt', 'AlterForeignServerStmt', 'AlterOwnerStmt', 'AlterPublicationStmt', 'AlterSubscriptionStmt', 'AlterTableMoveAllStmt',
  'AlterTableSpaceOptionsStmt', 'AlterUserMappingStmt', 'CheckPointStmt', 'ClusterStmt', 'CreateAmStmt', 'CreateCastStmt',
  'CreateEventTrigStmt', 'CreateFdwStmt', 'CreateForeignServerStmt', 'CreatePLangStmt', 'CreatePublicationStmt', 'CreateSubscriptionStmt',
  'CreateTableSpaceStmt', 'CreateTransformStmt', 'CreateUserMappingStmt', 'CreatedbStmt', 'DropOwnedStmt', 'DropSubscriptionStmt',
  'DropTableSpaceStmt', 'DropUserMappingStmt', 'GrantStmt', 'ImportForeignSchemaStmt', 'ReassignOwnedStmt', 'ReindexStmt',
  'SecLabelStmt', 'VacuumStmt',
]);

/** Settings a plain SET may not change without an explicit rule (role escape, read-only escape, name resolution). */
const RESTRICTED_SETTINGS: ReadonlySet<string> = new Set(['role', 'session_authorization', 'default_transaction_read_only', 'transaction_read_only', 'search_path', 'session characteristics']);

const TWO_PHASE: ReadonlySet<string> = new Set(['TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_ROLLBACK_PREPARED']);

function snake(typeName: string): string {
  return typeName.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The value of `SET name = 'value'` as text (lower-case), or null when it is not one string or word. */
function setValue(body: Record<string, unknown>): string | null {
  const args = body.args;
  if (!Array.isArray(args) || args.length !== 1) return null;
  const a = args[0] as { A_Const?: { sval?: { sval?: unknown } } };
  const v = a?.A_Const?.sval?.sval;
  return typeof v === 'string' ? v.toLowerCase() : null;
}

/**
 * Settings that change how PostgreSQL reads the query text itself. The classifier parses as a
 * UTF-8 client with standard-conforming strings; a session that turns either off would make
 * the server see other statements than the classifier did (a backslash ending a string, a
 * multibyte character whose second byte is a backslash).
 */
function changesLexing(name: string, body: Record<string, unknown>): string | null {
  if (body.kind !== 'VAR_SET_VALUE') return null;
  const v = setValue(body);
  if (name === 'standard_conforming_strings' && !(v !== null && ['on', 'true', 'yes', '1'].includes(v))) return 'standard_conforming_strings off makes PostgreSQL read backslashes in strings otherwise than the classifier';
  if (name === 'client_encoding' && !(v !== null && ['utf8', 'utf-8', 'unicode'].includes(v))) return 'a client encoding other than UTF8 makes PostgreSQL read the query bytes otherwise than the classifier';
  return null;
}

function variableSet(body: Record<string, unknown>): BaseClass {
  const name = typeof body.name === 'string' ? body.name.toLowerCase() : '';
  const how = body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' ? 'reset' : 'set';
  const lexing = changesLexing(name, body);
  if (lexing) return { effect: 'restricted', kind: `set_${name}`, reason: `SET ${name}: ${lexing}; it needs an explicit rule` };
  if (RESTRICTED_SETTINGS.has(name)) {
    return { effect: 'restricted', kind: `${how}_${name.replace(/ /g, '_')}`, reason: `${how.toUpperCase()} ${name} needs an explicit rule (it changes the role, the read-only guard or name resolution)` };
  }
  if (name === 'transaction') return { effect: 'transaction', kind: 'set_transaction' };
  return { effect: 'session', kind: how };
}

/** The base class of a top-level statement from its node type and a few of its fields. */
export function baseClass(typeName: string, body: Record<string, unknown>): BaseClass {
  const blocked = BLOCKED[typeName];
  if (blocked) return blocked;
  if (typeName === 'VariableSetStmt') return variableSet(body);
  if (typeName === 'TransactionStmt' && typeof body.kind === 'string' && TWO_PHASE.has(body.kind)) {
    return { effect: 'restricted', kind: 'two_phase_commit', reason: 'two-phase commit (PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED) keeps locks beyond the session; it needs an explicit rule' };
  }
  if (typeName === 'RenameStmt' && body.renameType === 'OBJECT_ROLE') return BLOCKED.AlterRoleStmt!;
  if (typeName === 'RenameStmt' && body.renameType === 'OBJECT_DATABASE') return { effect: 'admin', kind: 'rename_database' };
  const simple = SIMPLE[typeName];
  if (simple) return simple;
  if (typeName === 'DropStmt' && typeof body.removeType === 'string') return { effect: 'ddl', kind: `drop_${body.removeType.replace(/^OBJECT_/, '').toLowerCase()}` };
  if (DDL.has(typeName)) return { effect: 'ddl', kind: snake(typeName) };
  if (ADMIN.has(typeName)) return { effect: 'admin', kind: snake(typeName) };
  return { effect: 'restricted', kind: snake(typeName), reason: `statement type ${typeName} is not classified; it needs an explicit rule` };
}
