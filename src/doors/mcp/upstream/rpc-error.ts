/** A JSON-RPC error the upstream MCP server answered: the door relays code, message and data as they came. */
export class JsonRpcErrorFromUpstream extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly server: string;

  constructor(server: string, code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'JsonRpcErrorFromUpstream';
    this.server = server;
    this.code = code;
    this.data = data;
  }
}

export function isJsonRpcErrorFromUpstream(e: unknown): e is JsonRpcErrorFromUpstream {
  return e instanceof JsonRpcErrorFromUpstream;
}
