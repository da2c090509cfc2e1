/**
 * The SSLRequest answer of a hostile or downgrading server (a peer on 127.0.0.1 that speaks
 * only the first byte): every TLS mode refuses the login instead of falling back to plaintext
 * or reading unencrypted bytes as if they came over TLS (CVE-2021-23222).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { openUpstreamSocket, resolveUpstreamTls, UpstreamTlsError, type UpstreamTlsMode } from './upstream-tls.js';

async function peer(answer: (s: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => answer(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

const cases: { what: string; answer: (s: Socket) => void; error: RegExp }[] = [
  { what: "answers 'N' (a downgrade)", answer: (s) => s.write('N'), error: /does not offer TLS/ },
  { what: "sends 'S' with a message's bytes behind it in the same segment", answer: (s) => s.write(Buffer.concat([Buffer.from('S'), Buffer.from('Z\0\0\0\x05I')])), error: /sent unencrypted data behind its answer/ },
  { what: "sends 'S', then plaintext messages in a later segment (read as TLS records, never as messages)", answer: (s) => (s.write('S'), setTimeout(() => s.write(Buffer.from('R\0\0\0\x08\0\0\0\0Z\0\0\0\x05I')), 20)), error: /TLS to PostgreSQL at .* failed/ },
  { what: 'sends an ErrorResponse instead of S or N', answer: (s) => s.write(Buffer.from('E\0\0\0\x0aSFATAL\0\0')), error: /neither S nor N/ },
  { what: 'closes the connection', answer: (s) => s.destroy(), error: /cannot reach|no answer|failed/ },
];

for (const mode of ['require', 'verify-ca', 'verify-full'] as UpstreamTlsMode[]) {
  for (const c of cases) {
    test(`upstream TLS ${mode}: a server that ${c.what} is refused`, async () => {
      const p = await peer(c.answer);
      try {
        const tls = resolveUpstreamTls('127.0.0.1', { mode });
        await assert.rejects(openUpstreamSocket('127.0.0.1', p.port, tls, Date.now() + 3000), (e: Error) => e instanceof UpstreamTlsError && c.error.test(e.message));
      } finally {
        await p.close();
      }
    });
  }
}
