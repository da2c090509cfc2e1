import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string } | undefined;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Errors of the listening server itself once it serves (accept failures such as EMFILE). */
  onError?: (err: Error) => void;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts an HTTP or HTTPS listener and resolves with its base URL. */
export async function listen(opts: ListenerOptions, handler: RequestHandler): Promise<{ server: Server; url: string }> {
  const common = {
    headersTimeout: opts.headersTimeoutMs,
    // Bodies are timed by readBody per door (so the error is in the door's protocol); this is a backstop.
    requestTimeout: 0,
    keepAliveTimeout: opts.keepAliveTimeoutMs,
    // Threat: request smuggling — never accept a request with both content-length and transfer-encoding.
    insecureHTTPParser: false,
  };
  const server = (opts.tls ? createHttpsServer({ ...common, cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(common, handler)) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      // Threat: a client flood exhausting file descriptors makes accept() fail; an 'error'
      // nobody listens to would then exit the process instead of refusing a few connections.
      server.on('error', (e) => opts.onError?.(e));
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}` };
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    server.close(() => {
      clearTimeout(t);
      resolve();
    });
    server.closeIdleConnections();
  });
}
