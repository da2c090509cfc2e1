/**
 * The hook door: `POST /v1/warden/decide/tool-use` answers a Claude Code PreToolUse hook
 * (`warden hook pre-tool-use`) with the LLM door's own tool-use judgement (judgeToolCall:
 * the policy engine's permission, CEL and OPA rules, the tool-use guard's rule sets, an
 * "ask" resolved against the approval store) and the same audit record. One judgement,
 * three places: the model's answer, the MCP door and the agent's own hook.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Door, DoorHttpHandler } from '../door.js';
import { WardenError } from '../../core/errors.js';
import { readJson } from '../../core/json/read.js';
import { extractCredential } from '../../identity/credential.js';
import { baseDocument } from '../../policy/facts.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import { readBody } from '../shared/body.js';
import { judgeToolCall } from '../llm/tool-judge.js';
import { failExchange } from '../llm/messages.js';
import { parseHookInput } from './hook-input.js';
import { hookOutput } from './hook-output.js';

export const DECIDE_TOOL_USE_PATH = '/v1/warden/decide/tool-use';
/**
 * `?format=claude-hook`: the body is exactly what `warden hook pre-tool-use` prints (or empty
 * when no rule spoke), so a shell hook can relay it without starting node (bin/warden-hook.sh).
 */
export const CLAUDE_HOOK_FORMAT = 'claude-hook';

function wantsClaudeHook(url: string | undefined): boolean {
  const q = url?.indexOf('?') ?? -1;
  return q !== -1 && new URLSearchParams(url!.slice(q + 1)).get('format') === CLAUDE_HOOK_FORMAT;
}
/** judgeToolUse's rule when neither the policy nor the tool-use rules matched the call. */
const NO_RULE = 'tool_use.none';

/** No config of its own: it judges with the policy and the tool-use guard's rules. */
export const hookDoor: Door<Record<string, never>> = {
  id: 'hook',
  config: {},
  http: createHookDoor,
  claims: (path) => path === DECIDE_TOOL_USE_PATH,
  fail: failExchange,
};

export function createHookDoor(gw: Gateway): DoorHttpHandler {
  return function hookDoorHandler(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path !== DECIDE_TOOL_USE_PATH) return false;
    const ex = newExchange('hook', req, DECIDE_TOOL_USE_PATH);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      failExchange(gw, res, ex, new WardenError('WARDEN_E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use POST`), !req.complete);
      return true;
    }
    void decide(gw, req, res, ex);
    return true;
  };
}

async function decide(gw: Gateway, req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>): Promise<void> {
  const snap = gw.current();
  try {
    // identify first: an unauthenticated caller costs no body buffering.
    const who = await gw.identity.authenticate(extractCredential(req.rawHeaders));
    ex.key = who.key;
    ex.consumer = who.consumer;
    ex.principal = who.principal;
    // The same limit as the LLM door: a Write or Edit call carries whole files, as the model's answer did.
    const body = await readBody(req, snap.config.server.body_limit_bytes, snap.config.server.body_timeout_ms);
    const call = parseHookInput(readJson(body));
    ex.sessionId ??= call.sessionId;
    const doc = baseDocument('hook', ex.start, who.consumer, who.key);
    if (ex.sessionId) doc.session = { id: ex.sessionId };
    const rules = snap.toolUse;
    const j = await judgeToolCall(
      { policy: snap.policy, rules, message: rules?.message ?? snap.responseGuards.toolMessage, approvals: gw.approvals, approvalTtl: snap.policy.approvals, doc, cwd: call.cwd },
      { name: call.toolName, input: call.toolInput },
    );
    ex.tools = [call.toolName];
    ex.toolDecisions = [j.record];
    ex.decision = { outcome: j.record.outcome, rule: j.record.rule, ...(j.record.reason && { reason: j.record.reason }) };
    ex.status = 200;
    gw.finish(ex);
    const reason = j.allow ? undefined : j.message;
    // No rule of any source spoke: no hook decision, so Claude Code's own permission rules and
    // prompts still apply (a hook "allow" would skip them).
    const silent = j.record.rule === NO_RULE;
    const answer = wantsClaudeHook(req.url)
      ? (silent ? '' : `${JSON.stringify(hookOutput(j.record.outcome, reason))}\n`)
      : JSON.stringify({ decision: j.record.outcome, rule: j.record.rule, reason: reason ?? null, request_id: ex.id, ...(silent ? {} : hookOutput(j.record.outcome, reason)) });
    res.writeHead(200, { 'content-type': answer ? 'application/json' : 'text/plain', 'content-length': Buffer.byteLength(answer), 'x-warden-request-id': ex.id });
    res.end(answer);
  } catch (e) {
    failExchange(gw, res, ex, e, !req.complete);
  }
}
