/** Statement policy of the PostgreSQL door (docs/postgres-policy.md). */
export { statementPolicySchema, STATEMENT_ROLES, type StatementPolicyConfig, type StatementRole } from './config.js';
export { presetRules, compilePreset, PRESET_POLICY } from './preset.js';
export { compileStatementPolicy, decideStatements, decideDocument, statementDocument, type StatementPolicy, type StatementContext, type StatementVerdict, type ActiveGrantFacts } from './decide.js';
export { SessionDecisionCache } from './session-cache.js';
