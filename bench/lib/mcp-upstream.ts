/**
 * The MCP bench's upstream in its own process: the SDK fixture server of
 * test/fixtures/mcp/http-server.ts, its URL printed as `LISTENING <url>`, until SIGTERM.
 */
import { startFixtureHttpServer } from '../../test/fixtures/mcp/http-server.js';

const server = await startFixtureHttpServer();
process.stdout.write(`LISTENING ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
