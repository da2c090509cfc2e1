/**
 * The role preset as CEL rules of the shared engine, generated from `postgres.statements`:
 * the same rules a user could write, so `warden policy explain` and OPA see one model.
 */
import { policySchema, type RuleConfig } from '../../../policy/config.js';
import { compilePolicy, type CompiledPolicy } from '../../../policy/engine.js';
import type { StatementPolicyConfig } from './config.js';

/** Rule ids read `rule:postgres-preset.<id>`. */
export const PRESET_POLICY = 'postgres-preset';

const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
const inGroups = (xs: readonly string[]) => (xs.length ? `consumer.groups.exists(g, g in ${list(xs)})` : 'false');
const anyEffect = (effects: readonly string[]) => `sql.statements.exists(s, s.effect in ${list(effects)})`;

/** The preset's rules (also shown in docs/postgres-policy.md). */
export function presetRules(cfg: StatementPolicyConfig): RuleConfig[] {
  const { reader, writer, dba } = cfg.roles;
  const any = [...reader, ...writer, ...dba];
  const base = { on_error: 'deny' as const, redact: [], approvers: [] as string[] };
  return [
    { ...base, id: 'no-role', action: 'deny', when: `!${inGroups(any)}`, reason: `the consumer is in no PostgreSQL role group (${any.join(', ') || 'none configured'}) and holds no grant` },
    { ...base, id: 'reader-only-reads', action: 'deny', when: `!${inGroups([...writer, ...dba])} && ${anyEffect(['write', 'ddl', 'admin'])}`, reason: `group ${reader.join('/') || 'reader'} may only read` },
    { ...base, id: 'admin-needs-dba', action: 'deny', when: `!${inGroups(dba)} && ${anyEffect(['admin'])}`, reason: `admin statements need the dba role (${dba.join(', ') || 'none configured'})` },
    { ...base, id: 'schema-change-needs-dba', action: 'ask', when: anyEffect(['ddl', 'admin']), reason: 'a schema change needs a DBA\'s approval', approvers: cfg.ddl_approvers },
    { ...base, id: 'write-needs-approval', action: 'ask', when: anyEffect(['write']), reason: 'a write needs an approval', approvers: cfg.write_approvers },
    { ...base, id: 'reads', action: 'allow', when: 'sql.statements.all(s, s.effect in ["read", "transaction", "session", "restricted"])' },
  ];
}

/** The preset compiled as its own policy (default deny: what no preset rule allows is refused). */
export function compilePreset(cfg: StatementPolicyConfig): CompiledPolicy {
  const cfgIn = { default: 'deny', policies: { [PRESET_POLICY]: { rules: presetRules(cfg) } }, attach: { global: [PRESET_POLICY] } };
  return compilePolicy(policySchema.parse(cfgIn), 'postgres.statements.preset');
}
