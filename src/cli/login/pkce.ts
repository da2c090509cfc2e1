/**
 * Authorization code with PKCE (RFC 7636) on a loopback redirect (RFC 8252 §7.3): for a
 * developer at a desktop. Opens no browser itself: prints the URL, listens on 127.0.0.1
 * (an ephemeral port unless --port), takes the one redirect whose `state` matches, and
 * swaps the code for tokens with the verifier only this process knows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WardenError } from '../../core/errors.js';
import type { FlowIO, FlowParams } from './device.js';
import { OAuthError, postForm, tokenAnswer, type Discovery, type TokenAnswer } from './oauth.js';

const b64url = (b: Buffer) => b.toString('base64url');

export interface PkceOptions {
  port?: number;
  timeoutMs: number;
}

function page(res: ServerResponse, status: number, text: string): void {
  const body = `<!doctype html><meta charset="utf-8"><title>Warden login</title><p>${text}</p>\n`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export async function pkceFlow(d: Discovery, p: FlowParams, io: FlowIO, opts: PkceOptions): Promise<TokenAnswer> {
  if (!d.authorization_endpoint) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} announces no authorization_endpoint`);
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));

  let settle!: { ok: (code: string) => void; fail: (e: Error) => void };
  const codeArrived = new Promise<string>((ok, fail) => (settle = { ok, fail }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') return page(res, 404, 'Not found.');
    // A redirect with another state is not the answer to this login (CSRF, a stale tab): ignored.
    if (url.searchParams.get('state') !== state) return page(res, 400, 'This is not the login Warden is waiting for. Start again from the terminal.');
    const iss = url.searchParams.get('iss');
    // RFC 9207: an `iss` naming another issuer is a mix-up attack; fail closed.
    if ((iss !== null || d.authorization_response_iss_parameter_supported) && iss !== d.issuer) {
      page(res, 400, 'The answer came from another identity provider. Login refused.');
      return settle.fail(new WardenError('WARDEN_E_LOGIN_FAILED', `the redirect names issuer "${iss ?? '(none)'}", not ${d.issuer}: login refused`));
    }
    const error = url.searchParams.get('error');
    if (error) {
      page(res, 400, 'Login failed. See the terminal.');
      const desc = url.searchParams.get('error_description');
      return settle.fail(new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} answered ${error.slice(0, 100)}${desc ? `: ${desc.slice(0, 300)}` : ''}`));
    }
    const code = url.searchParams.get('code');
    if (!code) return page(res, 400, 'The redirect carries no code.');
    page(res, 200, 'Logged in to Warden. You can close this window.');
    settle.ok(code);
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(new WardenError('WARDEN_E_LOGIN_FAILED', `cannot listen on 127.0.0.1:${opts.port ?? 0} for the redirect (${e.code ?? e.message})`)));
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  server.on('error', () => {});
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const auth = new URL(d.authorization_endpoint);
  const q: Record<string, string | undefined> = {
    response_type: 'code', client_id: p.client_id, redirect_uri: redirectUri, scope: p.scope, state,
    code_challenge: challenge, code_challenge_method: 'S256', resource: p.resource, audience: p.audience, login_hint: p.login_hint,
    // OpenID Connect Core §11: a refresh token (offline_access) is issued only after consent was asked.
    prompt: p.scope.split(' ').includes('offline_access') ? 'consent' : undefined,
  };
  for (const [k, v] of Object.entries(q)) if (v !== undefined) auth.searchParams.set(k, v);
  io.err(`To log in, open this URL in a browser on this machine:\n${auth.href}\n`);
  io.err(`Waiting for the redirect to ${redirectUri} (for ${Math.round(opts.timeoutMs / 1000)} s)…\n`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      codeArrived,
      new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new WardenError('WARDEN_E_LOGIN_FAILED', `no login arrived within ${Math.round(opts.timeoutMs / 1000)} s; run \`warden login --pkce\` again`)), opts.timeoutMs))),
    ]);
    const j = await postForm(d.token_endpoint, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: p.client_id, code_verifier: verifier, resource: p.resource }, 'exchanging the code');
    return tokenAnswer(j, 'the code exchange');
  } catch (e) {
    if (e instanceof OAuthError) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} refused the code (${e.message})`);
    throw e;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
