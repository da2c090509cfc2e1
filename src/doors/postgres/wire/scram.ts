/**
 * SCRAM-SHA-256 client (RFC 5802, RFC 7677) for Warden's own login to PostgreSQL: the
 * stored password never crosses the wire, and the server's final signature is checked, so
 * a server that does not know the password cannot pose as the database.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** Above this a server could make every login burn seconds of CPU. */
const MAX_ITERATIONS = 1_000_000;

export class ScramError extends Error {}

export interface ScramClient {
  first(): Buffer;
  /** Given the server-first message, the client-final message. */
  final(serverFirst: Buffer): Promise<Buffer>;
  /** Verifies the server-final message; throws when the server's signature is wrong. */
  verify(serverFinal: Buffer): void;
}

const salted = new Map<string, Buffer>();

async function saltedPassword(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const k = createHash('sha256').update(password).update('\0').update(salt).update(String(iterations)).digest('hex');
  const hit = salted.get(k);
  if (hit) return hit;
  const v = await pbkdf2Async(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  if (salted.size > 64) salted.clear();
  salted.set(k, v);
  return v;
}

const hmac = (key: Buffer, s: string) => createHmac('sha256', key).update(s).digest();

function attrs(msg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) m.set(part[0]!, part.slice(2));
  }
  return m;
}

export function scramClient(password: string): ScramClient {
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=,r=${nonce}`;
  let serverSignature: Buffer | undefined;
  return {
    first: () => Buffer.from(`n,,${clientFirstBare}`),
    async final(serverFirstBuf) {
      const serverFirst = serverFirstBuf.toString('utf8');
      const a = attrs(serverFirst);
      const r = a.get('r');
      const s = a.get('s');
      const i = Number(a.get('i'));
      if (!r || !r.startsWith(nonce) || r.length === nonce.length) throw new ScramError('the server nonce does not extend the client nonce');
      if (!s) throw new ScramError('the server sent no salt');
      if (!Number.isInteger(i) || i < 1 || i > MAX_ITERATIONS) throw new ScramError(`the server asked for ${a.get('i')} iterations (allowed 1 to ${MAX_ITERATIONS})`);
      const sp = await saltedPassword(password, Buffer.from(s, 'base64'), i);
      const clientKey = hmac(sp, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${r}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const sig = hmac(storedKey, authMessage);
      const proof = Buffer.alloc(32);
      for (let k = 0; k < 32; k++) proof[k] = clientKey[k]! ^ sig[k]!;
      serverSignature = hmac(hmac(sp, 'Server Key'), authMessage);
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
    },
    verify(serverFinalBuf) {
      const a = attrs(serverFinalBuf.toString('utf8'));
      if (a.has('e')) throw new ScramError(`the server refused the login: ${a.get('e')}`);
      const v = Buffer.from(a.get('v') ?? '', 'base64');
      // Constant-time: the signature proves the server knows the password's verifier.
      if (!serverSignature || v.length !== serverSignature.length || !timingSafeEqual(v, serverSignature)) throw new ScramError('the server signature is wrong: it does not know the password');
    },
  };
}
