/**
 * The error catalogue: every error Warden answers with has a stable code, an HTTP status,
 * the kind a client of each protocol understands, and whether retrying can help.
 * Stages throw WardenError; doors render it in their own protocol. docs/errors.md is
 * checked against this table by a test.
 */

/** Anthropic's error kinds (https://docs.anthropic.com/en/api/errors). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface CatalogueEntry {
  status: number;
  anthropic: AnthropicErrorType;
  /** false → clients must not retry (Claude Code shows the message at once). */
  retry: boolean;
  /** What the error means and what to change; the first line of the docs entry. */
  summary: string;
}

export const CATALOGUE = {
  WARDEN_E_AUTH_MISSING: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'No credential was sent. Send a Warden virtual key as `Authorization: Bearer`, `x-api-key` or `apikey`.' },
  WARDEN_E_AUTH_INVALID: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The credential is not a known Warden key. Create one with `warden keys create`.' },
  WARDEN_E_AUTH_EXPIRED: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The key is past its expiry. Rotate it with `warden keys rotate`.' },
  WARDEN_E_AUTH_REVOKED: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The key was revoked. Ask an administrator for a new key.' },
  WARDEN_E_AUTH_CONSUMER_UNKNOWN: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The key belongs to a consumer that no longer exists. Recreate the consumer or the key.' },
  WARDEN_E_ADMIN_UNAUTHORIZED: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The admin API (and the CLI `approvals approve` and `approvals deny`) needs an admin key configured in `admin.key_sha256` or `admin.keys`; none configured refuses everything; virtual keys are never accepted there.' },
  WARDEN_E_MODEL_NOT_ALLOWED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The model is outside the scope of the key or consumer (`models` of the key, `consumers[].models` in the config).' },
  WARDEN_E_POLICY_DENIED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'A policy rule denied the request; the message names the rule.' },
  WARDEN_E_APPROVAL_REQUIRED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'A policy rule asks for a human approval first; the message names the pending approval and where an approver reviews it (`policy.approvals.review_url`). The agent cannot approve it.' },
  WARDEN_E_BAD_JSON: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The request body is not valid JSON.' },
  WARDEN_E_BAD_REQUEST: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The request is malformed: the message names the field to fix.' },
  WARDEN_E_MODEL_MISSING: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The request body has no `model` string.' },
  WARDEN_E_CONTENT_TYPE: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The body must be sent as `content-type: application/json`.' },
  WARDEN_E_HEADER_INVALID: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'A header is malformed, duplicated where it must be single, or carries control characters.' },
  WARDEN_E_BODY_TOO_LARGE: { status: 413, anthropic: 'request_too_large', retry: false, summary: 'The body is larger than `server.body_limit_bytes`.' },
  WARDEN_E_CLIENT_TIMEOUT: { status: 408, anthropic: 'invalid_request_error', retry: true, summary: 'The client sent its body too slowly (`server.body_timeout_ms`).' },
  WARDEN_E_NOT_FOUND: { status: 404, anthropic: 'not_found_error', retry: false, summary: 'No door serves this path.' },
  WARDEN_E_METHOD_NOT_ALLOWED: { status: 405, anthropic: 'invalid_request_error', retry: false, summary: 'The path exists but not for this method.' },
  WARDEN_E_NO_ROUTE: { status: 404, anthropic: 'not_found_error', retry: false, summary: 'No provider is routed for this model (`models` in the config).' },
  WARDEN_E_GUARD_REJECTED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'A guard rejected the content; the message is the configured one. 403, not 400: Claude Code re-sends a 400 five more times with fewer fields.' },
  WARDEN_E_RATE_LIMITED: { status: 429, anthropic: 'rate_limit_error', retry: true, summary: 'A request, token or concurrency limit is reached; `retry-after` says when to try again.' },
  WARDEN_E_BUDGET_EXHAUSTED: { status: 429, anthropic: 'rate_limit_error', retry: false, summary: 'A spending or request budget is used up; retrying will not help until it resets.' },
  WARDEN_E_LOOP_DETECTED: { status: 429, anthropic: 'rate_limit_error', retry: false, summary: 'The same tool call was asked for more times than a `loop` limit allows: the agent looks stuck; retrying the same turn will not help.' },
  WARDEN_E_LIMITER_UNAVAILABLE: { status: 503, anthropic: 'overloaded_error', retry: true, summary: 'The shared limiter (Redis) is unreachable and `limits.on_backend_error` is `fail_closed`.' },
  WARDEN_E_POLICY_UNAVAILABLE: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The external policy server (OPA) could not be reached; Warden fails closed.' },
  WARDEN_E_POLICY_BAD_ANSWER: { status: 503, anthropic: 'overloaded_error', retry: true, summary: 'The external policy server answered something that is not a decision.' },
  WARDEN_E_UPSTREAM_UNREACHABLE: { status: 502, anthropic: 'api_error', retry: true, summary: 'The provider could not be reached (connection refused or reset before an answer).' },
  WARDEN_E_UPSTREAM_TIMEOUT: { status: 504, anthropic: 'timeout_error', retry: true, summary: 'The provider did not answer within `providers.<name>.timeout_ms`.' },
  WARDEN_E_ANSWER_TOO_LARGE: { status: 502, anthropic: 'api_error', retry: false, summary: 'A non-streamed answer is larger than Warden holds to guard it (8 MiB); it was withheld rather than passed on unguarded.' },
  WARDEN_E_UPSTREAM_BROKEN: { status: 502, anthropic: 'api_error', retry: true, summary: 'The provider broke off mid-answer; streams end with an `error` event.' },
  WARDEN_E_INTERNAL: { status: 500, anthropic: 'api_error', retry: true, summary: 'An unexpected fault inside Warden; the audit id points to the log line.' },
  WARDEN_E_CONFIG_INVALID: { status: 500, anthropic: 'api_error', retry: false, summary: 'The configuration does not validate; each problem names its path.' },
  WARDEN_E_ADMIN_BAD_INPUT: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'An admin API call carries invalid input; the message names the field.' },
  WARDEN_E_ADMIN_NOT_FOUND: { status: 404, anthropic: 'not_found_error', retry: false, summary: 'The admin resource does not exist.' },
  WARDEN_E_ADMIN_CONFLICT: { status: 409, anthropic: 'invalid_request_error', retry: false, summary: 'The admin write conflicts with the live state: the resource already exists, is defined in the config file (edit it there), or is still referenced by a route or attachment.' },
  WARDEN_E_JSON_REFUSED: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The JSON body is one parsers read differently, so Warden refuses it: a duplicate key, a lone UTF-16 surrogate escape, a `__proto__` key, bytes that are not UTF-8, or objects and arrays nested deeper than 128 levels. The message names the rule and the key path.' },
  WARDEN_E_MODEL_INVALID: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The `model` is not a model name: 1 to 128 letters, digits and `. _ : @ / - [ ]`, starting with a letter or digit, with no run of more than 32 letters and digits and nothing a secret detector recognises. The message names the rule broken, never the value.' },
  WARDEN_E_ADMIN_FORBIDDEN: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The admin key is valid but its role does not allow this call (`admin.keys[].role`: admin, approver, auditor, viewer); the message names the roles that do.' },
  WARDEN_E_APPROVAL_SELF: { status: 403, anthropic: 'permission_error', retry: false, summary: 'An approval cannot be answered by the consumer that asked for it: the approver\'s name is the requesting consumer\'s. Another person must decide.' },
  WARDEN_E_APPROVAL_NOT_APPROVER: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The approver is not among the approval\'s `approvers` (from the policy rule: admin key names, groups or `role:<role>`).' },
  WARDEN_E_APPROVAL_CLOSED: { status: 409, anthropic: 'invalid_request_error', retry: false, summary: 'The approval is no longer pending: it was already approved or denied, or it expired. A new identical request asks again.' },
  WARDEN_E_KEY_IN_FORWARD: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'A Warden key appears in the URL or a header Warden would forward upstream; the request is refused rather than leak the key. Send the key only in `x-api-key`, `apikey` or `Authorization`.' },
  WARDEN_E_USAGE: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The `warden` command was called wrongly (unknown command or option, missing argument); its `--help` shows the usage. Exit code 2.' },
  WARDEN_E_STORE_MISSING: { status: 500, anthropic: 'api_error', retry: false, summary: 'A `warden` command found no store at `store.path` of the config it read: run it where `warden start` runs, or pass `--config`. It never creates an empty store.' },
  WARDEN_E_LISTEN_FAILED: { status: 500, anthropic: 'api_error', retry: false, summary: 'Warden could not listen on its address (the port is in use, or not allowed): the message names the setting (`server.port`, `admin.port`) and the `warden start` flag to change.' },
  WARDEN_E_MCP_UPSTREAM_UNAVAILABLE: { status: 502, anthropic: 'api_error', retry: true, summary: 'An upstream MCP server could not be reached or started, or it exited or dropped the connection while a request was in flight (`mcp.servers.<name>`); a stdio server is restarted with backoff.' },
  WARDEN_E_MCP_UPSTREAM_TIMEOUT: { status: 504, anthropic: 'timeout_error', retry: true, summary: 'An upstream MCP server did not answer within `mcp.servers.<name>.timeouts.request_ms` (or `connect_ms` while starting); the request was cancelled upstream.' },
  WARDEN_E_MCP_UPSTREAM_PROTOCOL: { status: 502, anthropic: 'api_error', retry: true, summary: 'An upstream MCP server answered something that is not MCP: output that is not JSON-RPC, a message larger than `mcp.servers.<name>.max_message_bytes`, or a failed `initialize`. A stdio server that does this is killed and restarted.' },
  WARDEN_E_MCP_SESSION_LOST: { status: 404, anthropic: 'not_found_error', retry: true, summary: 'The upstream MCP server forgot its session and re-initializing it failed or was forgotten again; the client starts a new session.' },
  WARDEN_E_MCP_CREDENTIAL_MISSING: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The MCP server holds a credential per consumer (`mcp.servers.<name>.credentials_per_consumer`) and has none for this consumer; another consumer\'s credential is never used.' },
  WARDEN_E_MCP_NAME_DENIED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The tool, prompt or resource is outside the server-wide ceiling (`mcp.servers.<name>.tools`, `prompts`, `resources`: `allow` and `deny`).' },
  WARDEN_E_MCP_NO_GRANTS: { status: 403, anthropic: 'permission_error', retry: false, summary: 'No entry of `mcp.grants` applies to this consumer, or the entries that apply do not all name this kind (`tools`, `prompts`, `resources`: a grant of tools grants no prompts or resources), so it has none of them (deny by default). Add or extend a grant naming the consumer, one of its groups or its labels.' },
  WARDEN_E_MCP_NOT_GRANTED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The tool, prompt or resource is not granted to this consumer: every `mcp.grants` entry that applies must allow it under its kind (`tools`, `prompts`, `resources`); grants never union into the widest.' },
  WARDEN_E_MCP_UNKNOWN_TOOL: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The tool, prompt or resource names no configured MCP server (`server__tool` on `/mcp`) or the server does not offer it.' },
  WARDEN_E_MCP_ARGUMENT_REFUSED: { status: 403, anthropic: 'permission_error', retry: false, summary: 'An argument of the tool call failed a built-in validator (`mcp.validators`, `mcp.max_argument_bytes`): a path outside the allowed roots or with `..`, a URL outside the allow-list, SQL with an effect the tool is not allowed (or always blocked, or unparseable), or arguments too large.' },
  WARDEN_E_MCP_SESSION_UNKNOWN: { status: 404, anthropic: 'not_found_error', retry: false, summary: 'The `Mcp-Session-Id` names no live session of this identity (never issued, expired after `mcp.session_idle_ms`, ended, or issued to another key): initialize a new session.' },
  WARDEN_E_MCP_BAD_MESSAGE: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The POST body is not one JSON-RPC 2.0 message (malformed JSON, a batch, a missing method or id), or a required MCP header is missing or wrong (`Mcp-Session-Id`, `MCP-Protocol-Version`, `Accept`).' },
  WARDEN_E_MCP_HEADER_MISMATCH: { status: 400, anthropic: 'invalid_request_error', retry: false, summary: 'The `Mcp-Method` or `Mcp-Name` header disagrees with the JSON-RPC body (JSON-RPC error -32020); Warden decides on the body, so the two must agree.' },
  WARDEN_E_MCP_ORIGIN: { status: 403, anthropic: 'permission_error', retry: false, summary: 'The request\'s `Origin` is not in `mcp.allowed_origins` nor the origin of `mcp.resource` (an Origin equal to the Host is not enough: after DNS rebinding the Host is the attacker\'s name; only a loopback listener accepts its own loopback origin), or a loopback listener got a non-loopback `Host`.' },
  WARDEN_E_TOKEN_MALFORMED: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The bearer credential looks like a JWT but is not a well-formed compact JWS (three base64url parts, a JSON header and a JSON object payload, at most 16 KiB).' },
  WARDEN_E_TOKEN_ALG: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token is signed with an algorithm the issuer does not allow (`identity.oidc[].algorithms`). `none` and HMAC algorithms (HS256…) are never accepted.' },
  WARDEN_E_TOKEN_ISSUER: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token\'s `iss` is not one of the trusted issuers (`identity.oidc[].issuer`, compared exactly), or no issuer is configured.' },
  WARDEN_E_TOKEN_AUDIENCE: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token\'s `aud` names none of the issuer\'s `identity.oidc[].audience` values: it was issued for another service.' },
  WARDEN_E_TOKEN_EXPIRED: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token is past its `exp` (beyond `identity.oidc[].clock_skew_seconds`). Get a fresh one from the IdP.' },
  WARDEN_E_TOKEN_NOT_YET_VALID: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token\'s `nbf` (or `iat`) is in the future beyond `identity.oidc[].clock_skew_seconds`: check the clocks of the IdP and of Warden.' },
  WARDEN_E_TOKEN_KEY_UNKNOWN: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token\'s `kid` is not in the issuer\'s JWKS, even after a refresh (rate-limited by `identity.oidc[].jwks_refresh_min_seconds`), or the IdP is unreachable and the key was never seen: Warden fails closed.' },
  WARDEN_E_TOKEN_SIGNATURE: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token\'s signature does not verify with the issuer\'s key: it was altered or forged.' },
  WARDEN_E_TOKEN_CLAIMS: { status: 401, anthropic: 'authentication_error', retry: false, summary: 'The token is signed correctly but its claims cannot make a consumer: a wrong `typ`, no `exp`, no `sub`, or the `identity.oidc[].name_claim` is missing or not a valid consumer name. The message names the claim.' },
  WARDEN_E_LOGIN_REQUIRED: { status: 401, anthropic: 'authentication_error', retry: false, summary: '`warden token` has nothing valid to print: nobody ran `warden login` in this config folder, or the identity provider refused to refresh the login (expired, revoked, the refresh token was already used). Run `warden login` again.' },
  WARDEN_E_LOGIN_FAILED: { status: 401, anthropic: 'authentication_error', retry: false, summary: '`warden login` (or a token refresh) could not complete with the identity provider: discovery failed or named another issuer, the IdP is unreachable, an endpoint is not https, the user declined, the code expired. The message names the step and the IdP\'s own error.' },
  WARDEN_E_LOGIN_STORE: { status: 500, anthropic: 'api_error', retry: false, summary: 'The credentials file of `warden login` cannot be used: it is readable by other users (it must be mode 0600), belongs to someone else, is not a regular file, or is not valid. The message names the file and what to do.' },
  WARDEN_E_CLAUDE_SETTINGS: { status: 500, anthropic: 'api_error', retry: false, summary: 'A Claude Code settings or MCP file `warden connect claude-code` would edit cannot be read or is not a JSON object: the message names the file; fix or move it and run again. Nothing was written.' },
  WARDEN_E_MCP_UPSTREAM_ERROR: { status: 502, anthropic: 'api_error', retry: false, summary: 'The upstream MCP server answered the request with a JSON-RPC error. Warden relays its code (a standard JSON-RPC code or -32002; any other becomes -32000) and its message with secrets masked by the guards; its `data` is dropped.' },
  WARDEN_E_APPROVAL_EXECUTED: { status: 409, anthropic: 'invalid_request_error', retry: false, summary: 'A one-time approval (a PostgreSQL statement) already ran: the message names the approval, when and by which session. It is never answered or used again; sending the identical statement again asks for a new approval, named in the same error.' },
  WARDEN_E_AUTH_CONSUMER_CHANGED: { status: 401, anthropic: 'authentication_error', retry: false, summary: "The consumer's groups or labels changed after this session logged in (they chose its role and the policy it was judged by): a long-lived session (the PostgreSQL door) ends; log in again to be judged as the consumer is now." },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof CATALOGUE;

export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. retry-after) the door should send. */
  readonly headers: Record<string, string> | undefined;
  /** The rule or config key that decided; lands in the audit record. */
  readonly rule: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { status?: number; headers?: Record<string, string>; rule?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WardenError';
    this.code = code;
    this.status = opts.status ?? CATALOGUE[code].status;
    this.headers = opts.headers;
    this.rule = opts.rule;
  }

  get entry(): CatalogueEntry {
    return CATALOGUE[this.code];
  }
}

export function isWardenError(e: unknown): e is WardenError {
  return e instanceof WardenError;
}

/** Anything thrown that is not a WardenError becomes WARDEN_E_INTERNAL without leaking its text. */
export function asWardenError(e: unknown): WardenError {
  if (isWardenError(e)) return e;
  return new WardenError('WARDEN_E_INTERNAL', 'internal error in Warden', { cause: e });
}
