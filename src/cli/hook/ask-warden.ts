/**
 * One POST of the hook document to Warden's decision endpoint, with node's own http client
 * (undici would add to the hook's start-up on every tool call). The bytes Claude Code wrote
 * on stdin are the bytes Warden judges.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export const DECIDE_PATH = '/v1/warden/decide/tool-use';

export interface WardenAnswer {
  status: number;
  body: string;
}

export async function askWarden(baseUrl: string, credential: string, body: Buffer, timeoutMs: number): Promise<WardenAnswer> {
  const url = new URL(DECIDE_PATH, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  // A base URL with a path prefix (a Warden behind /warden/) keeps it.
  url.pathname = `${new URL(baseUrl).pathname.replace(/\/+$/, '')}${DECIDE_PATH}`;
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${credential}` },
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // An answer is a few hundred bytes; anything huge is not Warden.
        if (size > 1024 * 1024) req.destroy(new Error('answer larger than 1 MB'));
        else chunks.push(c);
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}
