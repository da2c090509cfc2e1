import { Registry } from './metrics.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Every metric Warden exposes, in one place. Labels never carry secrets or key material. */
export function createWardenMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: registry.counter('warden_requests_total', 'Exchanges by door, consumer, model, status and decision.', ['door', 'consumer', 'model', 'status', 'decision']),
    tokens: registry.counter('warden_tokens_total', 'Tokens by direction (input, output, cache_read, cache_write).', ['door', 'consumer', 'model', 'direction']),
    cost: registry.counter('warden_cost_usd_total', 'Cost in USD from the price table.', ['consumer', 'model']),
    latency: registry.histogram('warden_request_duration_seconds', 'Whole-exchange latency.', ['door', 'model'], LATENCY_BUCKETS),
    upstreamLatency: registry.histogram('warden_upstream_duration_seconds', 'Time from forwarding to the upstream answer headers.', ['door', 'provider'], LATENCY_BUCKETS),
    inflight: registry.gauge('warden_inflight_requests', 'Exchanges in progress.', ['door']),
    errors: registry.counter('warden_errors_total', 'Errors answered, by stable code.', ['door', 'code']),
    configReloads: registry.counter('warden_config_reloads_total', 'Config reloads by result.', ['result']),
    limiterRefusals: registry.counter('warden_limiter_refusals_total', 'Requests refused by a limit, by rule id and kind of limit.', ['rule', 'limit']),
    limiterFailOpen: registry.counter('warden_limiter_fail_open_total', 'Requests admitted unlimited because the limiter backend was unreachable (on_backend_error: fail_open).', ['backend']),
    limiterBackendErrors: registry.counter('warden_limiter_backend_errors_total', 'Limiter backend calls that failed, by operation.', ['backend', 'op']),
    guardFindings: registry.counter('warden_guard_findings_total', 'Guard findings acted on, by direction (request, response) and detector.', ['direction', 'detector']),
    toolDecisions: registry.counter('warden_tool_decisions_total', 'Tool calls judged by the tool-use guard, by outcome.', ['outcome']),
    mcpCalls: registry.counter('warden_mcp_tool_calls_total', 'MCP tools/call by server, tool and outcome (allow, deny, ask, error); tool names only as configured servers list them, capped.', ['server', 'tool', 'outcome']),
    auditFailures: registry.counter('warden_audit_write_failures_total', 'Audit records that could not be written.', []),
    auditHeadSetAside: registry.counter('warden_audit_head_set_aside_total', 'Audit HEAD files set aside as evidence (HEAD.lost.*) because the records did not bear them out or they were replaced.', []),
    auditEvents: registry.counter('warden_audit_events_total', 'Audit writer events by kind (head_set_aside, file_replaced, head_replaced, lock_lost, keyed_from_here).', ['kind']),
  };
}

export type WardenMetrics = ReturnType<typeof createWardenMetrics>;
