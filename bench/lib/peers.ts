/**
 * The peers under test, each a URL plus the headers a client sends it: direct (the mock
 * itself), nginx, the Portkey gateway, the naive Node proxy of the brief (calibration) and
 * Warden in each configuration of bench/configs/.
 * Every proxy runs pinned to the proxy CPU beside the mock upstream.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnPinned, stopChild, waitForPort, type Started } from './proc.js';

export interface Peer {
  name: string;
  kind: 'direct' | 'nginx' | 'portkey' | 'node-naive' | 'warden';
  url: string;
  /** Headers this peer needs on every request (auth, routing). */
  headers: Record<string, string>;
  /** The process whose CPU and memory are measured (for direct: the mock upstream). */
  pid?: number;
  stop(): Promise<void>;
}

export interface PeerEnv {
  runDir: string;
  benchDir: string;
  upstreamPort: number;
  proxyCpu: number;
}

const messagesUrl = (port: number) => `http://127.0.0.1:${port}/v1/messages?beta=true`;

/** The mock itself; its pid is given so that the mock's own CPU cost per request is on record. */
export function directPeer(env: PeerEnv, mockPid: number): Peer {
  return { name: 'direct', kind: 'direct', url: messagesUrl(env.upstreamPort), headers: { 'x-api-key': 'sk-bench-upstream' }, pid: mockPid, stop: async () => {} };
}

function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  // A plain keep-alive reverse proxy, as one would deploy in front of an LLM API: HTTP/1.1
  // upstream with a connection pool, no buffering of streamed answers, no logging per request.
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mock {
    server 127.0.0.1:${upstreamPort};
    keepalive 256;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size 64m;
    client_body_buffer_size 1m;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

export async function nginxPeer(env: PeerEnv): Promise<Peer> {
  const dir = join(env.runDir, 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, env.upstreamPort));
  const p = spawnPinned(env.proxyCpu, 'nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')], join(dir, 'stdout.log'));
  await waitForPort(port, 10_000, p.child);
  return { name: 'nginx', kind: 'nginx', url: messagesUrl(port), headers: { 'x-api-key': 'sk-bench-upstream' }, pid: p.pid, stop: () => stopChild(p.child) };
}

export async function portkeyPeer(env: PeerEnv): Promise<Peer> {
  const dir = join(env.runDir, 'portkey');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const entry = join(env.benchDir, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  // The gateway listens on every interface; the preload binds it to loopback (see the file).
  const preload = join(env.benchDir, 'peers/loopback-only.mjs');
  const p: Started = spawnPinned(env.proxyCpu, process.execPath, ['--import', preload, entry, `--port=${port}`, '--headless'], join(dir, 'portkey.log'), {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await waitForPort(port, 30_000, p.child);
  return {
    name: 'portkey',
    kind: 'portkey',
    url: messagesUrl(port),
    headers: { 'x-portkey-provider': 'anthropic', 'x-portkey-custom-host': `http://127.0.0.1:${env.upstreamPort}/v1`, 'x-api-key': 'sk-bench-upstream' },
    pid: p.pid,
    stop: () => stopChild(p.child),
  };
}

export async function naiveNodePeer(env: PeerEnv, cpuProfileDir?: string): Promise<Peer> {
  const dir = join(env.runDir, 'node-naive');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const key = 'bench-naive-key-0123456789abcdef';
  const entry = join(env.benchDir, 'peers/naive-node-proxy.ts');
  // tsx's loader runs in a thread of its own with its own profile: one folder, the largest file wins.
  const prof = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfileDir, 'node-naive')] : [];
  const p = spawnPinned(env.proxyCpu, process.execPath, [...prof, '--import', 'tsx', entry, String(port), `http://127.0.0.1:${env.upstreamPort}`, key], join(dir, 'proxy.log'), {
    cwd: join(env.benchDir, '..'),
  });
  await waitForPort(port, 30_000, p.child);
  return { name: 'node-naive', kind: 'node-naive', url: messagesUrl(port), headers: { authorization: `Bearer ${key}` }, pid: p.pid, stop: () => stopChild(p.child) };
}
