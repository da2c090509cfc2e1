/**
 * `warden hook pre-tool-use --policy FILE`: the judgement without a running Warden, from a
 * config file the gateway exported (`warden config export --out FILE`): the same policy
 * compiler, tool-use rules and judge (judgeToolCall) as the gateway, loaded only in this
 * mode. No approval store and no audit record: an "ask" is left to the person at the
 * terminal, and nothing central learns of the call (docs/claude-code.md says so).
 */
import { loadConfigFile } from '../../config/load.js';
import { WardenError } from '../../core/errors.js';
import { judgeToolCall } from '../../doors/llm/tool-judge.js';
import { parseHookInput } from '../../doors/hook/hook-input.js';
import { compileToolUseRules } from '../../guards/tool-use/rules.js';
import { compilePolicy } from '../../policy/engine.js';
import { baseDocument } from '../../policy/facts.js';
import { withDoorAttachments } from '../../runtime/snapshot.js';
import { readJson } from '../../core/json/read.js';

export interface OfflineDecision {
  decision: 'allow' | 'deny' | 'ask';
  rule: string;
  reason: string | undefined;
}

export async function decideOffline(policyFile: string, consumerName: string | undefined, stdin: Buffer): Promise<OfflineDecision> {
  // Only the sections the judgement reads: a provider secret the export references is not needed here.
  const config = loadConfigFile(policyFile, { resolve: ['policy', 'guards', 'consumers', 'routes'] });
  const consumer = consumerName === undefined ? undefined : config.consumers.find((c) => c.name === consumerName);
  if (consumerName !== undefined && !consumer) throw new WardenError('WARDEN_E_AUTH_CONSUMER_UNKNOWN', `--consumer ${consumerName}: no such consumer in ${policyFile}`);
  const call = parseHookInput(readJson(stdin, { what: 'hook input' }));
  const policy = compilePolicy(withDoorAttachments(config), 'policy');
  try {
    const rules = compileToolUseRules(config.guards);
    const c = consumer ? { name: consumer.name, groups: consumer.groups ?? [], labels: consumer.labels ?? {}, models: consumer.models ?? [] } : undefined;
    const doc = baseDocument('hook', Date.now(), c);
    const j = await judgeToolCall(
      { policy, rules, message: rules?.message ?? '{reason}', approvals: undefined, approvalTtl: { pendingTtlMs: 0, grantTtlMs: 0 }, doc, cwd: call.cwd },
      { name: call.toolName, input: call.toolInput },
    );
    return { decision: j.record.outcome, rule: j.record.rule, reason: j.allow ? undefined : (j.record.reason ?? 'refused by policy') };
  } finally {
    await policy.close();
  }
}
