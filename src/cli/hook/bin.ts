/**
 * The lean process entry of `warden hook pre-tool-use|mcp-headers` (bin/warden.js picks it
 * before loading commander and the CLI): only the hook's own modules load, so a hook costs
 * one node start-up and one local HTTP request.
 */
import { fileURLToPath } from 'node:url';
import { runMcpHeaders } from './mcp-headers.js';
import { runPreToolUse } from './pre-tool-use.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

process.stdout.on('error', () => process.exit(2));
const wardenBin = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../../bin/warden.js' : '../../../bin/warden.js', import.meta.url));
const r = process.argv[3] === 'mcp-headers'
  ? await runMcpHeaders(process.env, wardenBin)
  : await runPreToolUse(process.argv.slice(4), { env: process.env, stdin: await readStdin(), wardenBin });
if (r.stdout) process.stdout.write(r.stdout);
if (r.stderr) process.stderr.write(r.stderr);
process.exitCode = r.code;
