/**
 * `warden hook mcp-headers`: the `headersHelper` of the Warden MCP server entry that
 * `warden connect claude-code` writes. Claude Code runs it and sends the JSON object it
 * prints as request headers, so the MCP config holds a command, never a literal token.
 */
import { hookCredential } from './credential.js';

export async function runMcpHeaders(env: Record<string, string | undefined>, wardenBin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let credential: string | undefined;
  try {
    credential = await hookCredential(env, wardenBin, 10_000);
  } catch (e) {
    return { code: 1, stdout: '', stderr: `Warden: ${(e as Error).message}\n` };
  }
  if (!credential) return { code: 1, stdout: '', stderr: 'Warden: no credential: run `warden login` (or `warden login --key <virtual key>`)\n' };
  return { code: 0, stdout: `${JSON.stringify({ Authorization: `Bearer ${credential}` })}\n`, stderr: '' };
}
