/**
 * An exchange is one request/answer pair passing through a door. Every stage reads and
 * fills it; the audit record and the metrics are derived from it at the end.
 */
export type DoorName = 'llm' | 'http' | 'mcp' | 'postgres' | 'hook' | 'admin';

export interface Consumer {
  name: string;
  groups: string[];
  labels: Record<string, string>;
  /** Model globs this consumer may use; empty means no restriction at consumer scope. */
  models: string[];
}

export interface KeyInfo {
  id: string;
  consumer: string;
  /** Model globs this key may use; empty means no restriction at key scope. */
  models: string[];
}

export interface DecisionRecord {
  outcome: 'allow' | 'deny' | 'ask' | 'redact';
  /** Id of the rule that decided (e.g. `scope.key.models`, `acl.global`, `rule:no-prod`). */
  rule: string;
  reason?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** What the audit keeps of one MCP message (seed 003's list, plus the thread to the LLM exchange). */
export interface McpExchangeFacts {
  /** JSON-RPC method (`tools/call`), or the HTTP verb's meaning (`session/delete`, `stream/open`). */
  method: string;
  /** Warden's session id (an id Warden issued; never the upstream's). */
  session?: string;
  server?: string;
  tool?: string;
  /** The arguments as forwarded, secrets redacted, cut to a bounded size. */
  arguments?: string;
  /** `ok`, `error` (isError result) or `refused`, with content counts: never the content. */
  result?: string;
  /** Claude Code's `_meta['claudecode/toolUseId']`: links the call to the LLM exchange that asked for it. */
  toolUseId?: string;
  progressToken?: string;
  traceparent?: string;
  /** A header/body disagreement (`Mcp-Method`, `Mcp-Name`), recorded as seen. */
  mismatch?: string;
  /** The client's address (seed 003 lists it for every tool call). */
  client?: string;
}

export interface Exchange {
  id: string;
  door: DoorName;
  /** ms since epoch when the request arrived. */
  start: number;
  /** High-resolution start, for latency. */
  startHr: bigint;
  method: string;
  route: string;
  consumer?: Consumer;
  key?: KeyInfo;
  /** The OIDC issuer and subject when the credential was an access token (never the token). */
  principal?: { issuer: string; subject: string };
  sessionId?: string;
  model?: string;
  provider?: string;
  stream?: boolean;
  decision?: DecisionRecord;
  status?: number;
  errorCode?: string;
  usage?: Usage;
  costUsd?: number;
  upstreamMs?: number;
  /** Tool names the model asked for in its answer. */
  tools?: string[];
  /** Set when the client went away before the answer was complete. */
  clientAborted?: boolean;
  /** The limiter's hold on this exchange: settled with the real usage when it finishes. */
  admission?: { settle(usage: Usage, model?: string): Promise<void>; release(): Promise<void> };
  /** Guard findings on the answer (`detector:rule`, never the text). */
  responseFindings?: string[];
  /** Every tool call the tool-use guard judged. */
  toolDecisions?: { tool: string; outcome: 'allow' | 'deny' | 'ask'; rule: string; reason?: string; approval?: string }[];
  /** MCP door: the JSON-RPC message and, for tools/call, the call (arguments redacted). */
  mcp?: McpExchangeFacts;
  /** Opt-in, redacted request/response bodies. */
  bodies?: { request?: string; response?: string };
  /** PostgreSQL door: the session and its recorded events (statements masked, never result rows). */
  pg?: PgSessionRecord;
}

export interface PgSessionRecord {
  session: string;
  /** Events in order, each with its time (ms since epoch) and kind (`open`, `query`, `parse`, `decision`, …). */
  events: { at: number; kind: string; [fact: string]: unknown }[];
}
