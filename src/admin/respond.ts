import type { ServerResponse } from 'node:http';
import { asWardenError } from '../core/errors.js';

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Admin errors as plain HTTP JSON: `{"error": {"code", "message", "problems"?}}`; `problems` lists config paths. */
export function sendAdminError(res: ServerResponse, e: unknown): void {
  const err = asWardenError(e);
  const problems = (err as { problems?: unknown }).problems;
  sendJson(res, err.status, { error: { code: err.code, message: err.message, ...(Array.isArray(problems) ? { problems } : {}) } });
}
