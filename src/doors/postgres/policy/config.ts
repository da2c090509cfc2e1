/**
 * `postgres.statements`: the statement policy's settings — the role preset (which consumer
 * groups are readers, writers and DBAs, who approves), the parser's input bound and the
 * decision cache. The proxy's config section mounts it.
 */
import { z } from 'zod';

const groups = z.array(z.string().min(1));

export const statementPolicySchema = z
  .strictObject({
    preset: z
      .boolean()
      .default(true)
      .describe('Apply the role preset (docs/postgres-policy.md#preset): readers only read, a write needs an approval, a schema change needs a DBA\'s approval, consumers in no role group are refused. Your `policy` rules apply on top either way; deny wins.'),
    roles: z
      .strictObject({
        reader: groups.default(['data-reader']).describe('Consumer groups that may read.'),
        writer: groups.default(['data-writer']).describe('Consumer groups that may write once an approver agrees, and ask for schema changes.'),
        dba: groups.default(['dba']).describe('Consumer groups that may also ask for admin statements (VACUUM, GRANT, CREATE DATABASE).'),
      })
      .prefault({})
      .describe('Role → consumer groups. A just-in-time grant (`warden grants create --role reader`) gives its role for its window.'),
    write_approvers: groups.default([]).describe('Who approves a write: admin key names, their groups, or `role:approver`/`role:admin`; empty: any approver.'),
    ddl_approvers: groups.default(['dba']).describe('Who approves a schema change or an admin statement: by default admin identities in group `dba`.'),
    max_statement_bytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024)
      .describe('Largest query text parsed; larger texts are refused with a message saying so (parse time and memory grow with the text: docs/benchmarks.md).'),
    cache_entries: z.number().int().min(1).max(1_000_000).default(10_000).describe('Classifications and decisions cached by exact statement text.'),
  })
  .prefault({})
  .describe('Statement policy of the PostgreSQL door (docs/postgres-policy.md).');

export type StatementPolicyConfig = z.output<typeof statementPolicySchema>;
export type StatementRole = keyof StatementPolicyConfig['roles'];
export const STATEMENT_ROLES: readonly StatementRole[] = ['reader', 'writer', 'dba'];
