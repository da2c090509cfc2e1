/** One audit record per exchange. Never holds secrets; bodies only when opted in, redacted. */
export interface AuditRecord {
  time: string;
  request_id: string;
  door: string;
  method: string;
  route: string;
  consumer: string | null;
  key_id: string | null;
  /** OIDC issuer and subject of the access token; present only when the credential was one. */
  issuer?: string;
  subject?: string;
  session_id: string | null;
  model: string | null;
  provider: string | null;
  decision: 'allow' | 'deny' | 'ask' | 'redact' | 'error';
  rule: string | null;
  reason: string | null;
  status: number;
  error_code: string | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms: number;
  upstream_latency_ms: number | null;
  tools: string[];
  client_aborted: boolean;
  /** Guard findings on the answer (`detector:rule`); present only when there were some. */
  response_findings?: string[];
  /** The tool-use guard's decision on each tool call of the answer; present only when it judged some. */
  tool_decisions?: { tool: string; outcome: 'allow' | 'deny' | 'ask'; rule: string; reason?: string; approval?: string }[];
  bodies?: { request?: string; response?: string };
  /** MCP door: the message and the tool call (arguments redacted); present only at that door. */
  mcp?: { method: string; session?: string; server?: string; tool?: string; arguments?: string; result?: string; tool_use_id?: string; progress_token?: string; traceparent?: string; mismatch?: string; client_address?: string };
  /** PostgreSQL door: the session id and the events recorded since the previous record. */
  pg?: import('../core/exchange.js').PgSessionRecord;
}

/** What the writer adds: position in the chain and the link to the previous record. */
export interface ChainedRecord extends AuditRecord {
  seq: number;
  prev: string;
  hash: string;
}

export interface AuditSink {
  /** Durable against a process crash when it returns (written to the OS, not just buffered). */
  append(record: AuditRecord): void;
  close(): void;
}
