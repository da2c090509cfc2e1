/**
 * `--probe-mcp`: seed 003's checklist item 3, "test with an unauthenticated request to confirm
 * it returns 401". Each http(s) MCP server of `.mcp.json` gets an MCP `initialize` with no
 * credential; any answer but 401/403 is a finding. Opt-in: it sends requests to the servers
 * the config names.
 */
import type { ScanFinding } from './rules.js';
import type { ReadText } from './project-checks.js';

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'warden-scan', version: '1' } } });

export function mcpUrls(files: readonly string[], read: ReadText): { file: string; name: string; url: string }[] {
  const out: { file: string; name: string; url: string }[] = [];
  for (const f of files.filter((x) => x.endsWith('.mcp.json') && x.split('/').pop() === '.mcp.json')) {
    try {
      const j = JSON.parse(read(f) ?? '') as { mcpServers?: Record<string, { url?: unknown }> };
      for (const [name, s] of Object.entries(j.mcpServers ?? {})) if (typeof s?.url === 'string' && /^https?:\/\//.test(s.url) && !s.url.includes('${')) out.push({ file: f, name, url: s.url });
    } catch {
      // reported by the .mcp.json check if it matters
    }
  }
  return out;
}

export async function probeMcp(targets: { file: string; name: string; url: string }[], timeoutMs: number): Promise<ScanFinding[]> {
  const out: ScanFinding[] = [];
  await Promise.all(
    targets.map(async (t) => {
      let status: number | string;
      try {
        const r = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: INITIALIZE, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
        status = r.status;
        await r.body?.cancel().catch(() => undefined);
      } catch (e) {
        status = (e as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
      if (status === 401 || status === 403) return;
      if (typeof status === 'string') out.push({ rule: 'WS007', severity: 'info', message: `${t.file}: MCP server "${t.name}" (${t.url}) could not be probed (${status})`, file: t.file, line: 1 });
      else out.push({ rule: 'WS007', severity: 'high', message: `${t.file}: MCP server "${t.name}" (${t.url}) answered ${status} to a request without credentials (expected 401)`, file: t.file, line: 1 });
    }),
  );
  return out;
}
