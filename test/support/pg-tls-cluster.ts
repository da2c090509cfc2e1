/**
 * A second, temporary PostgreSQL cluster with TLS for the upstream-TLS tests: initdb in a
 * temp folder (as the postgres user when the tests run as root: initdb refuses root), a CA
 * and a server certificate made with openssl (SAN localhost and 127.0.0.1), ssl = on,
 * listening on 127.0.0.1 only at a free port, its socket in the temp folder, and a pg_hba
 * that rejects every connection not over TLS — so a session that works went over TLS. It
 * touches nothing of the machine's own cluster; `stop()` stops it and removes the folder.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(join(d, 'initdb')))
  ?? (existsSync('/usr/lib/postgresql') ? execFileSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']).toString().trim() : '');

export interface TlsCluster {
  port: number;
  /** PEM of the CA that signed the server certificate. */
  ca: string;
  /** PEM of another CA, which did not. */
  otherCa: string;
  stop(): void;
}

/** Why a TLS cluster cannot be made here (no initdb, no openssl), or undefined when it can. */
export function tlsClusterUnavailable(): string | undefined {
  if (!BIN || !existsSync(join(BIN, 'initdb'))) return 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql';
  try {
    execFileSync('openssl', ['version']);
  } catch {
    return 'no openssl';
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => ok(p));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function caAndServer(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=warden test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=another CA', '-keyout', 'other.key', '-out', 'other.pem'], dir);
  openssl(['req', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem'], dir);
}

export async function startTlsCluster(): Promise<TlsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-tls-'));
  const asRoot = process.getuid?.() === 0;
  const pgUser = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
  const pgGroup = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
  const as = (cmd: string, args: string[]) => execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe', timeout: 60_000 });
  const data = join(dir, 'data');
  let started = false;
  const stop = () => {
    if (started) {
      try {
        as(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    caAndServer(dir);
    if (asRoot) {
      chmodSync(dir, 0o700);
      chownSync(dir, pgUser!, pgGroup!);
      for (const f of ['server.pem', 'server.key', 'ca.pem']) chownSync(join(dir, f), pgUser!, pgGroup!);
    }
    chmodSync(join(dir, 'server.key'), 0o600);
    as(join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
    const port = await freePort();
    writeFileSync(join(data, 'postgresql.auto.conf'), [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      `ssl_cert_file = '${join(dir, 'server.pem')}'`,
      `ssl_key_file = '${join(dir, 'server.key')}'`,
      'fsync = off',
      'shared_buffers = 16MB',
      'max_connections = 20',
      '',
    ].join('\n'));
    // Only TLS connections from 127.0.0.1 get in.
    writeFileSync(join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n');
    if (asRoot) for (const f of ['postgresql.auto.conf', 'pg_hba.conf']) chownSync(join(data, f), pgUser!, pgGroup!);
    as(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    started = true;
    return { port, ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), otherCa: readFileSync(join(dir, 'other.pem'), 'utf8'), stop };
  } catch (e) {
    stop();
    const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
    throw new Error(`could not start the TLS test cluster: ${(e as Error).message}${log ? `\n${log}` : ''}`);
  }
}
